// Shows that the model runtime scores models exactly as the code before it did (issue 14): every row of a KronoDroid
// file is scored by the old checkout's two scorers (ScoringModel of `dfp evaluate`/`dfp score`, OrtScorer of the API)
// and by this checkout's Scorer, and the largest differences of scores, per-feature errors and top features are printed.
// Usage: node --import tsx scripts/score-parity.ts --old <checkout of the old commit, with node_modules> \
//          --data <kronodroid.csv> <model dir>...
// The old checkout is imported in this process, so both sides run the same onnxruntime build on the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/core/config/load.ts';
import { N_FEATURES } from '../src/core/scoring/features.ts';
import { topFeatures } from '../src/core/scoring/result.ts';
import { Scorer } from '../src/runtime/scorer.ts';
import { loadFileDataset } from '../src/train/data.ts';

interface OldBatch {
  scores?: Float32Array;
  score?: Float32Array;
  featureErrors?: Float32Array;
  featureError?: Float32Array;
}
interface OldScoringModel {
  score(x: Float32Array): Promise<OldBatch>;
  explain(s: OldBatch, i: number): { top: { feature: string; z: number }[] } | undefined;
  release(): Promise<void>;
}
interface OldOrtScorer {
  metadata: unknown;
  score(x: Float32Array, rows: number): Promise<OldBatch>;
  close(): Promise<void>;
}

const args = process.argv.slice(2);
const value = (name: string): string => {
  const i = args.indexOf(name);
  if (i < 0 || !args[i + 1]) throw new Error(`usage: score-parity.ts --old <checkout> --data <file> <model dir>...; ${name} is missing`);
  const v = args[i + 1]!;
  args.splice(i, 2);
  return v;
};
const old = resolve(value('--old'));
const dataFile = resolve(value('--data'));
const modelDirs = args.map((a) => resolve(a));

const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(old, path)).href)) as T;
const { ScoringModel } = await load<{ ScoringModel: { load(dir: string): Promise<OldScoringModel> } }>('src/train/scoring.ts');
const { OrtScorer } = await load<{ OrtScorer: { open(m: unknown): Promise<OldOrtScorer> } }>('src/serve/ort-scorer.ts');
const { readModelDir } = await load<{ readModelDir(dir: string, ref: unknown, source: string): unknown }>('src/serve/sources/files.ts');
const { topFeatures: oldTopFeatures } = await load<{ topFeatures(errors: Float32Array, offset: number, meta: unknown): { name: string; z: number }[] }>('src/core/scoring/result.ts');

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
};

const home = mkdtempSync(join(tmpdir(), 'dfp-parity-'));
try {
  const { config } = loadConfig({ env: { ...process.env, DFP_HOME: home } });
  const { data } = await loadFileDataset(dataFile, config);
  console.log(`${dataFile}: ${data.n} apps, ${N_FEATURES} features`);
  let worstScore = 0;
  for (const dir of modelDirs) {
    const ref = { name: basename(dir), version: 'parity' };
    const a = await ScoringModel.load(dir);
    const b = await OrtScorer.open(readModelDir(dir, ref, dir));
    const c = await Scorer.load(dir, { ref });
    try {
      const sa = await a.score(data.x);
      const sb = await b.score(data.x, data.n);
      const sc = await c.score(data.x);
      const scoreDiff = Math.max(maxDiff(sa.score!, sc.scores), maxDiff(sb.scores!, sc.scores));
      worstScore = Math.max(worstScore, scoreDiff);
      const errDiff = sc.featureErrors ? Math.max(maxDiff(sa.featureError!, sc.featureErrors), maxDiff(sb.featureErrors!, sc.featureErrors)) : 0;
      // Top features: names in the same order and z within rounding, against both old explainers.
      let topMismatches = 0;
      let zDiff = 0;
      for (let i = 0; i < data.n; i++) {
        const now = topFeatures({ score: sc.scores[i]!, errors: sc.featureErrors, offset: i * N_FEATURES }, c);
        const api = sb.featureErrors ? oldTopFeatures(sb.featureErrors, i * N_FEATURES, b.metadata) : [];
        const dash = a.explain(sa, i)?.top.slice(0, now.length) ?? [];
        if (now.map((t) => t.name).join() !== api.map((t) => t.name).join() || (dash.length && now.map((t) => t.name).join() !== dash.map((t) => t.feature).join())) topMismatches++;
        now.forEach((t, k) => (zDiff = Math.max(zDiff, Math.abs(t.z - (api[k]?.z ?? t.z)))));
      }
      console.log(`${dir} (${c.metadata.kind}): max |score difference| ${scoreDiff}, max |feature_error difference| ${errDiff}, rows whose top features differ ${topMismatches}, max |z difference| ${zDiff}`);
    } finally {
      await Promise.all([a.release(), b.close(), c.close()]);
    }
  }
  console.log(`max |score difference| over every model and row: ${worstScore}`);
  if (!(worstScore <= 1e-6)) process.exitCode = 1;
} finally {
  rmSync(home, { recursive: true, force: true });
}
