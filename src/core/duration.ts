/** @module Durations as people type them on a command line (`30m`, `2h`, `1h30m`, `0s`, `7d`). */
import { DfpError } from './errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds in `text`: one or more `<number><unit>` parts (units ms, s, m, h, d, w), or a bare 0. */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  // The parts must cover the whole text, so typos like `2x` or `1h 5` are refused rather than half-read.
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== t) {
    throw new DfpError('USAGE', `${flag} must be a duration such as 30m, 2h, 1h30m or 0s, got '${text}'`, { value: text });
  }
  return Math.round(parts.reduce((ms, p) => ms + Number(p[1]) * (UNIT_MS[p[2] as string] ?? 0), 0));
}
