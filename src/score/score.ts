// `dfp score`: batch scoring of a file or lake table with a trained model, in constant memory —
// normalise (ingest path, bad rows quarantined) → stream batches from DuckDB → onnxruntime → stream out.
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { engineOptions, literal, openDuckDb } from '../engine/duckdb/connection.ts';
import { openModel } from '../train/evaluate.ts';
import { topFeatures } from './explain.ts';
import { openInput } from './input.ts';
import { readBatches } from './reader.ts';
import { ScoreWriter, outputFormat } from './writer.ts';

export interface ScoreOptions {
  config: DfpConfig;
  /** Run id, model directory, or runs:/ / models:/ URI. */
  model: string;
  /** CSV/Parquet/zip file (either KronoDroid layout), URL, or lake table[@ref]. */
  input: string;
  /** .parquet or .csv. */
  out: string;
  /** Quarantine CSV (default: <out>.quarantine.csv). */
  quarantine?: string;
  batchRows?: number;
  progress?: Progress;
}

export interface ScoreResult {
  out: string;
  format: 'csv' | 'parquet';
  quarantine: string;
  model: { kind: string; run_id: string; dir: string; threshold: number };
  input: { spec: string; kind: 'file' | 'lake'; commit?: string };
  input_rows: number;
  scored_rows: number;
  quarantined_rows: number;
  flagged_rows: number;
  reasons: { reason: string; rows: number }[];
  seconds: number;
  rows_per_second: number;
}

/** Default rows per onnxruntime call: big enough to amortise the call, small enough to keep memory flat. */
export const DEFAULT_BATCH_ROWS = 4096;
/** DuckDB memory limit when engine.memory_limit is unset. */
export const SCORE_MEMORY_LIMIT = '512MB';

export async function runScore(o: ScoreOptions): Promise<ScoreResult> {
  const t0 = performance.now();
  const progress = o.progress ?? silentProgress;
  const out = resolve(o.out);
  const format = outputFormat(out);
  const quarantine = resolve(o.quarantine ?? `${out}.quarantine.csv`);
  const batchRows = o.batchRows ?? DEFAULT_BATCH_ROWS;
  if (!Number.isInteger(batchRows) || batchRows < 1) throw new DfpError('USAGE', `batch size must be a positive whole number, got ${batchRows}`);
  await mkdir(dirname(out), { recursive: true });
  const tmp = join(o.config.workspace, 'tmp');
  await mkdir(tmp, { recursive: true });
  const work = await mkdtemp(join(tmp, 'score-'));
  const { model, cleanup } = await openModel(o.config, o.model);
  // Bounded by default so DuckDB spills to disk rather than growing with the input.
  const conn = await openDuckDb({ ...engineOptions(o.config), memoryLimit: o.config.engine.memory_limit ?? SCORE_MEMORY_LIMIT });
  await conn.run(`SET temp_directory = ${literal(join(work, 'duckdb-tmp'))}`);
  const writer = new ScoreWriter(out, format, join(work, `${basename(out)}.csv`));
  try {
    const input = await openInput({ conn, config: o.config, spec: o.input, workDir: work, quarantineCsv: quarantine, progress });
    const meta = model.metadata;
    const F = FEATURE_COLUMNS.length;
    const explainable = meta.kind === 'autoencoder' && meta.error_stats !== undefined;
    let scored = 0;
    let flagged = 0;
    let nonFinite = 0;
    if (input.relation) {
      progress.start('scoring', input.inputRows - input.quarantinedRows, 'rows');
      for await (const batch of readBatches(conn, input.relation, batchRows)) {
        const s = await model.score(batch.x);
        const lines: string[] = [];
        const bad: string[] = [];
        for (let i = 0; i < batch.n; i++) {
          const score = s.score[i] as number;
          const sha = batch.sha256[i] as string;
          if (!Number.isFinite(score)) {
            // Never a crash and never a silent row: it goes to the quarantine with the reason.
            bad.push(`${JSON.stringify(o.input)},,,non_finite_score,model score is ${score},${sha},score,\n`);
            continue;
          }
          const top = explainable && s.featureError ? JSON.stringify(topFeatures(s.featureError, i * F, meta.error_stats!, meta.preprocess.columns, meta.preprocess.active, meta.top_k ?? 5)) : null;
          const isMalware = model.flagged(score);
          if (isMalware) flagged++;
          lines.push(ScoreWriter.line(sha, score, isMalware, top));
        }
        await writer.write(lines);
        if (bad.length) await appendFile(quarantine, bad.join(''));
        scored += lines.length;
        nonFinite += bad.length;
        progress.update(scored);
      }
      progress.stop();
    }
    await writer.close(conn);
    const quarantined = input.quarantinedRows + nonFinite;
    if (scored + quarantined !== input.inputRows) {
      throw new Error(`score accounting is off: ${scored} scored + ${quarantined} quarantined != ${input.inputRows} input rows`);
    }
    const reasons = nonFinite ? [...input.reasons, { reason: 'non_finite_score', rows: nonFinite }] : input.reasons;
    const seconds = (performance.now() - t0) / 1000;
    return {
      out,
      format,
      quarantine,
      model: { kind: meta.kind, run_id: meta.run_id, dir: model.dir, threshold: meta.threshold },
      input: { spec: o.input, kind: input.kind, ...(input.commit ? { commit: input.commit } : {}) },
      input_rows: input.inputRows,
      scored_rows: scored,
      quarantined_rows: quarantined,
      flagged_rows: flagged,
      reasons,
      seconds: Math.round(seconds * 1000) / 1000,
      rows_per_second: Math.round(input.inputRows / Math.max(seconds, 1e-9)),
    };
  } catch (e) {
    await writer.abort();
    throw e;
  } finally {
    progress.stop();
    conn.closeSync();
    await model.release();
    await cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
