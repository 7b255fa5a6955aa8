/**
 * @module `dfp synth`: fit a profile from a real KronoDroid file (or lake table) and write N synthetic
 * rows shaped like it. The output is synthetic: right columns, realistic sparsity and ranges, but no
 * real app and no cross-column structure. Output format follows the extension (.csv, .csv.gz, .parquet).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { DfpError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import { ENHANCED_HEADER, lakeName } from '../core/kronodroid/schema.ts';
import { ident, literal, openDuckDb, type EngineOptions } from '../engine/duckdb/connection.ts';
import { writeSyntheticCsv } from './generate.ts';
import { fitProfile, type SynthProfile } from './profile.ts';

export interface SynthRequest {
  /** A KronoDroid .csv/.csv.gz/.parquet file to fit the distributions on. */
  from: string;
  out: string;
  rows: number;
  seed: number;
  engine?: EngineOptions;
  progress?: Progress;
}

export interface SynthResult {
  out: string;
  rows: number;
  seed: number;
  fitted_on: string;
  malware_fraction: number;
  synthetic: true;
}

/** SQL relation reading a file whichever format it is. */
export function fileRelation(path: string): string {
  return /\.parquet$/i.test(path)
    ? `read_parquet(${literal(path)})`
    : `read_csv(${literal(path)}, header=true, all_varchar=true)`;
}

export async function synthesize(req: SynthRequest): Promise<SynthResult> {
  if (!Number.isInteger(req.rows) || req.rows < 1) throw new DfpError('USAGE', `--rows must be a positive integer, got ${req.rows}`);
  if (!existsSync(req.from)) throw new DfpError('NOT_FOUND', `cannot fit synthetic data: ${req.from} does not exist (give --from a real KronoDroid CSV or Parquet file)`);
  if (!/\.(csv|csv\.gz|parquet)$/i.test(req.out)) throw new DfpError('USAGE', `--out must end in .csv, .csv.gz or .parquet: ${req.out}`);
  const conn = await openDuckDb(req.engine);
  try {
    req.progress?.start('fitting profile');
    let profile: SynthProfile;
    try {
      profile = await fitProfile(conn, fileRelation(req.from), req.from);
    } catch (e) {
      throw new DfpError('INPUT_INVALID', `cannot read ${req.from} as KronoDroid data: ${(e as Error).message.split('\n')[0]}`);
    }
    if (profile.classes.benign.rows + profile.classes.malware.rows === 0) {
      throw new DfpError('INPUT_INVALID', `${req.from} has no rows with a 0/1 Malware label to fit on`);
    }
    const parquet = /\.parquet$/i.test(req.out);
    const csv = parquet ? `${req.out}.tmp.csv` : `${req.out}.tmp`;
    try {
      await writeSyntheticCsv(profile, csv, { rows: req.rows, seed: req.seed, progress: req.progress });
      if (parquet) {
        // Parquet is read by SQL engines, so the permission REBOOT takes its lake name (see lakeName).
        const columns = ENHANCED_HEADER.map((c) => ident(lakeName(c)));
        await conn.run(`COPY (SELECT ${columns.join(', ')} FROM read_csv(${literal(csv)}, header=true, names=[${columns.map((c) => literal(c.slice(1, -1))).join(', ')}])) TO ${literal(`${req.out}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`);
        rmSync(csv);
      }
      renameSync(`${req.out}.tmp`, req.out); // the output appears whole or not at all
    } finally {
      rmSync(csv, { force: true });
      rmSync(`${req.out}.tmp`, { force: true });
    }
    return { out: req.out, rows: req.rows, seed: req.seed, fitted_on: req.from, malware_fraction: profile.malware_fraction, synthetic: true };
  } finally {
    conn.closeSync();
  }
}
