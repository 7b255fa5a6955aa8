/**
 * @module Training-time benchmark of dfp's gradient-boosted trees (src/core/ml/trees) against LightGBM, same
 * rows, same hyper-parameters, same run: the shared file's training months (time split, test ROC-AUC of
 * both on 2019-10..12 too), and 100k / 1M synthetic rows (`dfp synth`, fitted on the shared file). LightGBM
 * runs with every core (its default) and with one. Target: dfp within 2× LightGBM's time.
 * Usage: npm run bench:trees [-- --rows 100000,1000000]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus } from 'node:os';
import { LABEL_COLUMN, FEATURE_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import { rocAuc } from '../../src/core/ml/eval/roc.ts';
import { boost, type BoostParams, DEFAULT_BOOST, type Rows } from '../../src/core/ml/trees/boost.ts';
import { predictProba } from '../../src/core/ml/trees/ensemble.ts';
import { literal, openDuckDb } from '../../src/engine/duckdb/connection.ts';
import { prepareIngest } from '../../src/ingest/prepare.ts';
import { readBatches } from '../../src/score/reader.ts';
import { synthesize } from '../../src/synth/synthesize.ts';
import { lightgbmMissing, runLightgbm } from '../../tests/interop/lightgbm/data.ts';
import { timeSplit } from '../../tests/support/time-split.ts';
import { requireRealData } from '../../tests/support/shared-data.ts';
import { cpuKind } from '../lib/machine.ts';
import { markdownTable, writeSection } from '../lib/results.ts';

const WORK = resolve(import.meta.dirname, '../.work/trees');
const REAL = requireRealData('bench:trees');
const F = FEATURE_COLUMNS.length;
const rowsArg = process.argv.indexOf('--rows');
const SYNTH = (rowsArg > 0 ? process.argv[rowsArg + 1]! : '100000,1000000').split(',').map(Number);
const PARAMS: BoostParams = { ...DEFAULT_BOOST, iterations: 300, learningRate: 0.05 };
const log = (m: string) => process.stderr.write(`bench:trees ${m}\n`);

/** Synthetic rows, validated and normalised as an ingest would, read as a dense matrix. */
async function synthetic(n: number): Promise<Rows> {
  mkdirSync(WORK, { recursive: true });
  const csv = join(WORK, `synth-${n}.csv`);
  if (!existsSync(csv)) {
    log(`generating ${n.toLocaleString('en')} synthetic rows → ${csv}`);
    await synthesize({ from: REAL, out: csv, rows: n, seed: 42 });
  }
  const work = join(WORK, `prep-${n}`);
  const prepared = await prepareIngest({ files: [{ path: csv, name: `synth-${n}.csv`, format: 'csv' }], workDir: work, table: 't', existing: async () => undefined, quarantineCsv: join(work, 'q.csv') });
  const conn = await openDuckDb();
  try {
    const x = new Float32Array(prepared.tables.t!.rows * F);
    const y = new Uint8Array(prepared.tables.t!.rows);
    let at = 0;
    for await (const b of readBatches(conn, `read_parquet(${literal(prepared.tables.t!.file)})`, 65_536, { key: 'sha256', passthrough: [LABEL_COLUMN] })) {
      x.set(b.x, at * F);
      b.tails.forEach((t, i) => (y[at + i] = t.replace(/^,/, '') === '1' ? 1 : 0));
      at += b.n;
    }
    return { x: x.subarray(0, at * F), y: y.subarray(0, at), n: at };
  } finally {
    conn.closeSync();
  }
}

function timeDfp(train: Rows): { seconds: number; model: ReturnType<typeof boost>['model'] } {
  const started = process.hrtime.bigint();
  const { model } = boost(train, F, PARAMS);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, model };
}

async function main(): Promise<void> {
  const missing = lightgbmMissing();
  if (missing) {
    process.stderr.write(`bench:trees: ${missing}\n`);
    process.exit(2);
  }
  const cores = cpus().length;
  const table: (string | number)[][] = [];
  const add = (label: string, n: number, dfp: number[], lgbAll: number[], lgbOne: number[], auc = '') => {
    const [d, a, o] = [Math.min(...dfp), Math.min(...lgbAll), Math.min(...lgbOne)];
    table.push([label, n.toLocaleString('en'), d.toFixed(2), a.toFixed(2), o.toFixed(2), `${(d / a).toFixed(2)}×`, `${(d / o).toFixed(2)}×`, auc]);
    console.log(`${label}: dfp ${d.toFixed(2)} s, LightGBM ${a.toFixed(2)} s (${cores} threads) / ${o.toFixed(2)} s (1 thread) = ${(d / a).toFixed(2)}× / ${(d / o).toFixed(2)}× ${auc}`);
  };

  log('shared file, time split');
  const split = await timeSplit(REAL);
  const dfp: number[] = [];
  let auc = 0;
  for (let i = 0; i < 3; i++) {
    const r = timeDfp(split.train);
    dfp.push(r.seconds);
    auc = rocAuc(Array.from(split.test.y), Array.from(predictProba(r.model, split.test.x, split.test.n)));
  }
  const all = [0, 1, 2].map(() => runLightgbm(split, PARAMS, cores));
  const one = [0, 1, 2].map(() => runLightgbm(split, PARAMS, 1).train_seconds);
  add('shared file, months before 2019-10', split.train.n, dfp, all.map((r) => r.train_seconds), one, `test ROC-AUC dfp ${auc.toFixed(4)}, LightGBM ${all[0]!.roc_auc!.toFixed(4)}`);

  for (const n of SYNTH) {
    log(`${n.toLocaleString('en')} synthetic rows`);
    const train = await synthetic(n);
    const empty: Rows = { x: new Float32Array(0), y: new Uint8Array(0), n: 0 };
    const d = timeDfp(train).seconds;
    const a = runLightgbm({ train, test: empty }, PARAMS, cores).train_seconds;
    const o = runLightgbm({ train, test: empty }, PARAMS, 1).train_seconds;
    add(`${n.toLocaleString('en')} synthetic rows`, train.n, [d], [a], [o]);
  }

  writeSection(
    `Gradient-boosted trees: training time vs LightGBM on ${cpuKind()}`,
    `\`npm run bench:trees\`: binary logistic boosting, ${PARAMS.iterations} rounds, learning rate ${PARAMS.learningRate}, ${PARAMS.maxLeaves} leaves, ≥ ${PARAMS.minDataInLeaf} rows per leaf, ≤ ${PARAMS.maxBins} bins; the same rows and hyper-parameters for dfp (src/core/ml/trees, one thread) and LightGBM (PyPI, with ${cores} threads, its default here, and with 1). Wall time of training only (binning included, data loading not); the shared file's rows best of 3, synthetic rows one run each. Target: dfp ≤ 2× LightGBM.\n\n` +
      markdownTable(['rows', 'n', 'dfp s', `LightGBM s (${cores} threads)`, 'LightGBM s (1 thread)', `dfp / LightGBM (${cores} threads)`, 'dfp / LightGBM (1 thread)', 'quality'], table),
  );
  console.log('written to bench/RESULTS.md');
}

await main();
