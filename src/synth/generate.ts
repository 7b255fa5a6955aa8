/**
 * @module Writes synthetic KronoDroid rows in the enhanced-subset layout from a fitted profile.
 * Streams in chunks, so a million rows use little memory; seeded, so the same seed gives the same file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { COUNT_COLUMNS, ENHANCED_HEADER, lakeName, SYSCALL_COLUMNS } from '../core/kronodroid/schema.ts';
import type { Progress } from '../core/progress.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { type ClassProfile, QUANTILE_LEVELS, type SynthProfile } from './profile.ts';

export interface GenerateOptions {
  rows: number;
  seed: number;
  progress?: Progress;
}

/** Draws one count from a column profile: zero with its sparsity, else by inverse CDF over its quantiles. */
function drawCount(random: Random, zeroFraction: number, quantiles: readonly number[]): number {
  if (quantiles.length === 0 || random() < zeroFraction) return 0;
  const u = random();
  let i = 1;
  while (i < QUANTILE_LEVELS.length - 1 && QUANTILE_LEVELS[i]! < u) i++;
  const lo = QUANTILE_LEVELS[i - 1]!;
  const hi = QUANTILE_LEVELS[i]!;
  const a = quantiles[i - 1]!;
  const b = quantiles[i]!;
  return Math.max(1, Math.round(a + ((u - lo) / (hi - lo)) * (b - a)));
}

/** The value of each header column is stored under its lake name. */
const HEADER_LAKE_NAMES = ENHANCED_HEADER.map(lakeName);

function hex(random: Random, length: number): string {
  let out = '';
  while (out.length < length) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

type Random = () => number;

/** Picks from weighted choices; weights need not sum to 1. */
function weightedPick<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let u = random() * total;
  for (const [value, weight] of choices) {
    u -= weight;
    if (u < 0) return value;
  }
  return choices[choices.length - 1]![0];
}

/** Per-column sampling parameters in COUNT_COLUMNS order, looked up once instead of per value. */
const SUMMED_SYSCALLS = new Set<string>(SYSCALL_COLUMNS.filter((c) => c !== 'nr_syscalls'));
const IS_SUMMED = COUNT_COLUMNS.map((c) => SUMMED_SYSCALLS.has(c));

function columnParams(profile: ClassProfile): { zero: number; q: readonly number[] }[] {
  return COUNT_COLUMNS.map((c) => ({ zero: profile.columns[c]?.zero_fraction ?? 1, q: profile.columns[c]?.quantiles ?? [] }));
}

function row(random: Random, index: number, malware: boolean, profile: ClassProfile, params: { zero: number; q: readonly number[] }[]): string {
  const values: Record<string, string | number> = {};
  let syscallTotal = 0;
  for (let i = 0; i < COUNT_COLUMNS.length; i++) {
    const v = drawCount(random, params[i]!.zero, params[i]!.q);
    values[COUNT_COLUMNS[i]!] = v;
    if (IS_SUMMED[i]) syscallTotal += v;
  }
  values.nr_syscalls = syscallTotal; // the total stays consistent with its parts
  const month = profile.months.length ? weightedPick(random, profile.months) : '2019-01-01';
  const day = 1 + Math.floor(random() * 28);
  values['Highest-date'] = `${month.slice(0, 8)}${String(day).padStart(2, '0')}`;
  values.year_month = month;
  values.Year = month.slice(0, 4);
  values.Package = `com.synthetic.app${index}`;
  values.Malware = malware ? 1 : 0;
  values.sha256 = hex(random, 64);
  values.MalFamily = malware && profile.families.length ? weightedPick(random, profile.families) : '';
  values.Categories = profile.categories.length ? weightedPick(random, profile.categories) : malware ? 'Malware' : 'Benign';
  values.TimesSubmitted = 1 + Math.floor(random() * 20);
  values.NrContactedIps = 0;
  values.Scanners = 60 + Math.floor(random() * 10);
  values.Detection_Ratio = malware ? Math.round((0.05 + random() * 0.6) * 1e6) / 1e6 : 0;
  return HEADER_LAKE_NAMES.map((c) => csvField(String(values[c] ?? 0))).join(',');
}

/** Writes `rows` synthetic rows as CSV (gzip-compressed when `out` ends in .gz). */
export async function writeSyntheticCsv(profile: SynthProfile, out: string, opts: GenerateOptions): Promise<void> {
  const random = mulberry32(opts.seed);
  const file = createWriteStream(out);
  const gzip = out.endsWith('.gz') ? createGzip({ level: 1 }) : undefined;
  if (gzip) gzip.pipe(file);
  const sink: Writable = gzip ?? file;
  opts.progress?.start('synth', opts.rows, 'rows');
  const write = async (text: string) => {
    if (!sink.write(text)) await once(sink, 'drain');
  };
  await write(`${ENHANCED_HEADER.map(csvField).join(',')}\n`);
  const params = { benign: columnParams(profile.classes.benign), malware: columnParams(profile.classes.malware) };
  const chunk: string[] = [];
  for (let i = 0; i < opts.rows; i++) {
    const malware = random() < profile.malware_fraction;
    chunk.push(malware ? row(random, i, true, profile.classes.malware, params.malware) : row(random, i, false, profile.classes.benign, params.benign));
    if (chunk.length === 2000 || i === opts.rows - 1) {
      await write(`${chunk.join('\n')}\n`);
      chunk.length = 0;
      opts.progress?.update(i + 1);
    }
  }
  sink.end();
  await once(file, 'finish');
  opts.progress?.stop();
}
