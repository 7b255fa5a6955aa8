/**
 * @module A KronoDroid CSV cut to some of its months (by the Highest-date column), same layout, for tests that feed
 * dfp a later or an earlier slice of a real file: new data arriving, or the months a model never saw.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseCsv } from '../../src/dashboard/api/score-input.ts';

/** Writes the records of `file` whose month (YYYY-MM) passes `keep` to `out`; returns `out`. */
export function writeMonths(file: string, keep: (month: string) => boolean, out: string): string {
  const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
  const at = header!.indexOf('Highest-date');
  assert.ok(at >= 0, `${file} has no Highest-date column`);
  const line = (r: string[]) => r.map((v) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)).join(',');
  const kept = records.filter((r) => keep((r[at] ?? '').slice(0, 7)));
  writeFileSync(out, `${[header!, ...kept].map(line).join('\n')}\n`);
  return out;
}
