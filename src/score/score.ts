// `dfp score`: batch scoring of a file or lake table with a trained model, in constant memory —
// normalise (ingest path planned against the model's features, bad rows quarantined) → stream batches from
// DuckDB → onnxruntime → stream out. Input needs sha256 (else rows get generated ids) and the model's features.
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { engineOptions, literal, openDuckDb } from '../engine/duckdb/connection.ts';
import { openModel } from '../runtime/open.ts';
import { type KeyColumn, ROW_ID, openInput } from './input.ts';
import { readBatches } from './reader.ts';
import { ScoreWriter, outputColumns, outputFormat } from './writer.ts';

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

export interface ScoreReport {
  out: string;
  format: 'csv' | 'parquet';
  quarantine: string;
  model: { kind: string; run_id: string; dir: string; threshold: number };
  input: { spec: string; kind: 'file' | 'lake'; commit?: string };
  /** Output columns in order: the key, score, is_malware, top_features, then the input's passthrough columns. */
  columns: string[];
  /** How rows are named: `sha256`, or `row_id` (`<file>#<record>`) generated because an input file has no sha256. */
  key: KeyColumn;
  /** Said when something about the input is worth knowing (generated ids). */
  notes: string[];
  input_rows: number;
  scored_rows: number;
  quarantined_rows: number;
  flagged_rows: number;
  reasons: { reason: string; rows: number }[];
  seconds: number;
  rows_per_second: number;
}

interface Tally {
  scored: number;
  flagged: number;
  nonFinite: number;
}

/** Default rows per onnxruntime call: big enough to amortise the call, small enough to keep memory flat. */
export const DEFAULT_BATCH_ROWS = 4096;
/** DuckDB memory limit when engine.memory_limit is unset. */
export const SCORE_MEMORY_LIMIT = '512MB';

/** A quarantine CSV line for a row whose score is not finite; a generated id `<file>#<record>` fills source and row. */
function quarantineLine(spec: string, key: KeyColumn, id: string, score: number): string {
  const at = id.lastIndexOf('#');
  const [source, row, sha] = key === ROW_ID && at > 0 ? [id.slice(0, at), id.slice(at + 1), ''] : [spec, '', id];
  return `${JSON.stringify(source)},${row},,non_finite_score,model score is ${score},${sha},score,\n`;
}

export async function runScore(o: ScoreOptions): Promise<ScoreReport> {
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
  let writer: ScoreWriter | undefined;
  try {
    const meta = model.metadata;
    const scoring = { model: `${o.model} (${meta.kind})`, features: meta.preprocess.columns };
    let input = await openInput({ conn, config: o.config, spec: o.input, workDir: work, quarantineCsv: quarantine, progress, scoring });
    const columns = outputColumns(input.key, input.passthrough);
    const newWriter = () => new ScoreWriter(out, format, join(work, `${basename(out)}.csv`), columns);
    writer = newWriter();
    const scoreAll = async (relation: string, total: number | undefined): Promise<Tally> => {
      const t: Tally = { scored: 0, flagged: 0, nonFinite: 0 };
      progress.start('scoring', total, 'rows');
      const batches = readBatches(conn, relation, batchRows, { key: input.key, passthrough: input.passthrough });
      // One batch read ahead: DuckDB scans and fetches the next while this one is scored and explained.
      let next = batches.next();
      try {
        for (;;) {
          const got = await next;
          if (got.done) break;
          const batch = got.value;
          next = batches.next();
          const s = await model.score(batch.x);
          const tops = model.explainer.csvFields(s, batch.n, batch.x);
          let text = '';
          let bad = '';
          let written = 0;
          for (let i = 0; i < batch.n; i++) {
            const score = s.scores[i] as number;
            const key = batch.keys[i] as string;
            if (!Number.isFinite(score)) {
              // Never a crash and never a silent row: it goes to the quarantine with the reason.
              bad += quarantineLine(o.input, input.key, key, score);
              t.nonFinite++;
              continue;
            }
            const isMalware = model.flagged(score);
            if (isMalware) t.flagged++;
            text += ScoreWriter.csvLine(key, score, isMalware, tops ? (tops[i] as string) : '', batch.tails[i] as string);
            written++;
          }
          await writer!.writeText(text);
          if (bad) await appendFile(quarantine, bad);
          t.scored += written;
          progress.update(t.scored);
        }
      } catch (e) {
        // The read-ahead may still be pending: its failure must not surface later as an unhandled rejection.
        next.catch(() => undefined);
        throw e;
      }
      progress.stop();
      return t;
    };
    let tally: Tally | undefined;
    if (input.onePass && input.relation) {
      try {
        tally = await scoreAll(input.relation, undefined);
        if (!(await input.onePass.confirm())) tally = undefined;
      } catch (e) {
        if (!input.onePass.notClean(e)) throw e;
      }
      if (!tally) {
        // A bad row somewhere: drop what was written and score again from the staged, quarantining path.
        await writer.abort();
        writer = newWriter();
        input = await input.onePass.fallback();
      }
    }
    const inputRowsKnown = input.inputRows;
    tally ??= input.relation ? await scoreAll(input.relation, (inputRowsKnown ?? 0) - input.quarantinedRows) : { scored: 0, flagged: 0, nonFinite: 0 };
    const { scored, flagged, nonFinite } = tally;
    await writer.close(conn);
    writer = undefined;
    const quarantined = input.quarantinedRows + nonFinite;
    // One pass: every row read was scored or quarantined, so the input count is their sum.
    const inputRows = inputRowsKnown ?? scored + quarantined;
    if (scored + quarantined !== inputRows) {
      throw new Error(`score accounting is off: ${scored} scored + ${quarantined} quarantined != ${inputRows} input rows`);
    }
    const reasons = nonFinite ? [...input.reasons, { reason: 'non_finite_score', rows: nonFinite }] : input.reasons;
    const seconds = (performance.now() - t0) / 1000;
    return {
      out,
      format,
      quarantine,
      model: { kind: meta.kind, run_id: meta.run_id ?? '', dir: model.source, threshold: meta.threshold },
      input: { spec: o.input, kind: input.kind, ...(input.commit ? { commit: input.commit } : {}) },
      columns: columns.map((c) => c.name),
      key: input.key,
      notes: input.key === ROW_ID ? [`${o.input} has no sha256 column: rows are named by ${ROW_ID}, <file>#<record number> (the numbering the quarantine uses)`] : [],
      input_rows: inputRows,
      scored_rows: scored,
      quarantined_rows: quarantined,
      flagged_rows: flagged,
      reasons,
      seconds: Math.round(seconds * 1000) / 1000,
      rows_per_second: Math.round(inputRows / Math.max(seconds, 1e-9)),
    };
  } catch (e) {
    await writer?.abort();
    throw e;
  } finally {
    progress.stop();
    conn.closeSync();
    await model.close();
    await cleanup();
    await rm(work, { recursive: true, force: true });
  }
}
