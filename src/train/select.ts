// Classifier model selection on the training months only: family-grouped cross-validation, so a config is
// rewarded for catching malware families it never saw (the test months are dominated by one such family).
// Usage: node --import tsx src/train/select.ts --data <file> [--test-from 2019-10] [--folds 4] [--seed 7] [--repeats 1] [--only name,name] [--fprs 0.01,0.02]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../core/config/load.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { classificationMetrics, rocAuc } from '../core/ml/eval/index.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { silentProgress } from '../core/progress.ts';
import { type Dataset, loadFileDataset } from './data.ts';
import { openSession, ort } from './engine/session.ts';
import { fitClassifier } from './fit.ts';
import { shuffle, subset } from './split.ts';

export interface Candidate {
  name: string;
  /** key=value overrides on top of model=classifier. */
  overrides: string[];
}

export interface FoldResult { rocAuc: number; f1: number; recall: number; fpr: number; heldFamilies: number; heldMalware: number }

export interface CvResult { candidate: Candidate; folds: FoldResult[]; meanAuc: number; meanF1: number; minF1: number; seconds: number }

/**
 * Fold of every row: malware grouped by MalFamily (a family never straddles folds; unlabelled malware are groups of one),
 * largest family first into the fold with the fewest malware; benign apps shuffled round-robin.
 */
export function familyFolds(d: Dataset, k: number, seed: number): number[] {
  const rand = mulberry32(seed >>> 0);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < d.n; i++) {
    if (!d.y[i]) continue;
    const key = d.family[i] ?? `#${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  // Shuffle first so equal-size families are placed in a seeded, not alphabetical, order.
  const ordered = shuffle([...groups.values()], rand).sort((a, b) => b.length - a.length);
  const fold = new Array<number>(d.n).fill(0);
  const load = new Array<number>(k).fill(0);
  for (const rows of ordered) {
    const f = load.indexOf(Math.min(...load));
    for (const r of rows) fold[r] = f;
    load[f] = (load[f] as number) + rows.length;
  }
  const benign = shuffle(Array.from({ length: d.n }, (_, i) => i).filter((i) => !d.y[i]), rand);
  benign.forEach((r, j) => (fold[r] = j % k));
  return fold;
}

/** Stratified random split of `idx` into [train, validation], as `dfp train` does within the training months. */
function stratified(d: Dataset, idx: readonly number[], fraction: number, rand: () => number): [number[], number[]] {
  const train: number[] = [];
  const val: number[] = [];
  for (const cls of [0, 1]) {
    const rows = shuffle(idx.filter((i) => d.y[i] === cls), rand);
    const h = Math.max(1, Math.round(rows.length * fraction));
    val.push(...rows.slice(0, h));
    train.push(...rows.slice(h));
  }
  return [train.sort((a, b) => a - b), val.sort((a, b) => a - b)];
}

async function score(onnx: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const s = await openSession(onnx, { threads: 1 });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', x, [x.length / FEATURE_COLUMNS.length, FEATURE_COLUMNS.length]) });
    return (out.score as ort.Tensor).data as Float32Array;
  } finally {
    await s.release();
  }
}

/**
 * Each fold: fit on the other folds exactly like `dfp train` (random validation part for early stopping, Platt and the
 * target-FPR threshold), then score the held-out fold; its malware are all from families the fit never saw.
 */
export async function crossValidate(d: Dataset, c: Candidate, o: { folds: number; seed: number }): Promise<CvResult> {
  const work = mkdtempSync(join(tmpdir(), 'dfp-select-'));
  const t0 = performance.now();
  try {
    const config = loadConfig({ overrides: ['model=classifier', `workspace=${work}`, ...c.overrides], env: {} }).config;
    const fold = familyFolds(d, o.folds, o.seed);
    const rand = mulberry32((o.seed ^ 0x9e3779b9) >>> 0);
    const folds: FoldResult[] = [];
    for (let f = 0; f < o.folds; f++) {
      const rest = fold.flatMap((g, i) => (g === f ? [] : [i]));
      const held = subset(d, fold.flatMap((g, i) => (g === f ? [i] : [])));
      const [tr, va] = stratified(d, rest, config.train.validation_fraction, rand);
      const fitted = await fitClassifier({ config, train: subset(d, tr), validation: subset(d, va), progress: silentProgress, checkpointDir: join(work, `fold-${f}`) });
      const s = await score(fitted.onnx, held.x);
      const m = classificationMetrics(held.y, s, fitted.threshold);
      const fams = new Set(held.family.filter((v, i) => held.y[i] && v !== null));
      folds.push({ rocAuc: rocAuc(held.y, s), f1: m.f1, recall: m.recall, fpr: m.fpr, heldFamilies: fams.size, heldMalware: held.y.reduce((a, b) => a + b, 0) });
    }
    const mean = (k: 'rocAuc' | 'f1') => folds.reduce((a, r) => a + r[k], 0) / folds.length;
    return { candidate: c, folds, meanAuc: mean('rocAuc'), meanF1: mean('f1'), minF1: Math.min(...folds.map((r) => r.f1)), seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The options the preset leaves off, alone and combined, plus capacity/regularisation and cross-fitting; each at the given target FPRs. */
export function candidates(fprs: readonly number[] = [0.01, 0.02]): Candidate[] {
  const base: Candidate[] = [
    { name: 'preset', overrides: [] },
    { name: 'share', overrides: ['model.classifier.syscall_share=true'] },
    { name: 'share10', overrides: ['model.classifier.syscall_share=true', 'model.classifier.syscall_share_scale=10'] },
    { name: 'used', overrides: ['model.classifier.syscall_used=true'] },
    { name: 'share10+used', overrides: ['model.classifier.syscall_share=true', 'model.classifier.syscall_share_scale=10', 'model.classifier.syscall_used=true'] },
    { name: 'ens5', overrides: ['model.classifier.ensemble=5'] },
    { name: 'share10+used+ens5', overrides: ['model.classifier.syscall_share=true', 'model.classifier.syscall_share_scale=10', 'model.classifier.syscall_used=true', 'model.classifier.ensemble=5'] },
    { name: 'wd1e-4', overrides: ['model.classifier.weight_decay=0.0001'] },
    { name: 'ls0.1', overrides: ['model.classifier.label_smoothing=0.1'] },
    { name: 'ls0.05', overrides: ['model.classifier.label_smoothing=0.05'] },
    { name: 'ls0.2', overrides: ['model.classifier.label_smoothing=0.2'] },
    { name: 'ls0.1+ens5', overrides: ['model.classifier.label_smoothing=0.1', 'model.classifier.ensemble=5'] },
    // Capacity and regularisation, which bear on unseen families more than the extra inputs do.
    { name: 'wd1e-3', overrides: ['model.classifier.weight_decay=0.001'] },
    { name: 'drop0.4', overrides: ['model.classifier.dropout=0.4'] },
    { name: 'h32', overrides: ['model.classifier.hidden=[32]'] },
    { name: 'h128-64', overrides: ['model.classifier.hidden=[128,64]'] },
    { name: 'clip2', overrides: ['model.clip=2'] },
  ];
  // Cross-fitting (model.classifier.calibration=crossfit): the K fold members are the model, calibrated out of fold.
  const cf = 'model.classifier.calibration=crossfit';
  const crossfit: Candidate[] = [
    { name: 'cf', overrides: [cf] },
    { name: 'cf+f10', overrides: [cf, 'model.classifier.folds=10'] },
    { name: 'cf+share10', overrides: [cf, 'model.classifier.syscall_share=true', 'model.classifier.syscall_share_scale=10'] },
    { name: 'cf+used', overrides: [cf, 'model.classifier.syscall_used=true'] },
    { name: 'cf+share10+used', overrides: [cf, 'model.classifier.syscall_share=true', 'model.classifier.syscall_share_scale=10', 'model.classifier.syscall_used=true'] },
    { name: 'cf+ls0.05', overrides: [cf, 'model.classifier.label_smoothing=0.05'] },
    { name: 'cf+ls0.1', overrides: [cf, 'model.classifier.label_smoothing=0.1'] },
    { name: 'cf+ls0.05+used', overrides: [cf, 'model.classifier.label_smoothing=0.05', 'model.classifier.syscall_used=true'] },
    { name: 'cf+ls0.05+drop0.4', overrides: [cf, 'model.classifier.label_smoothing=0.05', 'model.classifier.dropout=0.4'] },
    { name: 'cf+ls0.05+f10', overrides: [cf, 'model.classifier.label_smoothing=0.05', 'model.classifier.folds=10'] },
    { name: 'cf+drop0.4', overrides: [cf, 'model.classifier.dropout=0.4'] },
    { name: 'cf+h32', overrides: [cf, 'model.classifier.hidden=[32]'] },
    { name: 'cf+h128-64', overrides: [cf, 'model.classifier.hidden=[128,64]'] },
  ];
  return [...base, ...crossfit].flatMap((c) => fprs.map((fpr) => ({ name: `${c.name}@${fpr}`, overrides: [...c.overrides, `model.target_fpr=${fpr}`] })));
}

async function main(argv: string[]): Promise<void> {
  const arg = (k: string): string | undefined => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : undefined);
  const data = arg('--data');
  if (!data) throw new Error('usage: select.ts --data <file> [--test-from YYYY-MM] [--folds N] [--seed N] [--repeats N] [--only a,b] [--fprs a,b]');
  const testFrom = arg('--test-from') ?? '2019-10';
  const folds = Number(arg('--folds') ?? 4);
  const seed = Number(arg('--seed') ?? 7);
  // Each repeat reshuffles which families share a fold: with ~13 malware per fold one partition is noisy.
  const repeats = Number(arg('--repeats') ?? 1);
  const only = arg('--only')?.split(',');
  const fprs = (arg('--fprs') ?? '0.01,0.02').split(',').map(Number);
  const work = mkdtempSync(join(tmpdir(), 'dfp-select-load-'));
  let all: Dataset;
  try {
    all = (await loadFileDataset(data, loadConfig({ overrides: [`workspace=${work}`], env: {} }).config)).data;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Training months only: the test months never influence the choice.
  const d = subset(all, all.month.flatMap((m, i) => (m !== null && m < testFrom ? [i] : [])));
  const fams = new Map<string, number>();
  d.family.forEach((f, i) => d.y[i] && fams.set(f ?? '(none)', (fams.get(f ?? '(none)') ?? 0) + 1));
  console.log(`training months: ${d.n} apps, ${d.y.reduce((a, b) => a + b, 0)} malware in ${fams.size} families; ${folds} family-grouped folds`);
  const results: CvResult[] = [];
  for (const c of candidates(fprs).filter((c) => !only || only.some((o) => c.name.startsWith(o)))) {
    const runs: CvResult[] = [];
    for (let k = 0; k < repeats; k++) runs.push(await crossValidate(d, c, { folds, seed: seed + k }));
    const fs = runs.flatMap((x) => x.folds);
    const mean = (k: 'rocAuc' | 'f1') => fs.reduce((a, f) => a + f[k], 0) / fs.length;
    const r: CvResult = { candidate: c, folds: fs, meanAuc: mean('rocAuc'), meanF1: mean('f1'), minF1: Math.min(...fs.map((f) => f.f1)), seconds: runs.reduce((a, x) => a + x.seconds, 0) };
    results.push(r);
    const perFold = r.folds.map((f) => `${f.rocAuc.toFixed(4)}/${f.f1.toFixed(3)}`).join(' ');
    console.log(`${c.name.padEnd(26)} auc ${r.meanAuc.toFixed(4)} f1 ${r.meanF1.toFixed(4)} minF1 ${r.minF1.toFixed(3)}  [${perFold}] ${r.seconds.toFixed(1)}s`);
  }
  // Paired against the preset at the same FPR on the same folds: fold-to-fold spread dwarfs most config differences.
  const ref = (r: CvResult) => results.find((b) => b.candidate.name === `preset@${r.candidate.name.split('@')[1]}`);
  const paired = (r: CvResult, k: 'rocAuc' | 'f1'): string => {
    const b = ref(r);
    if (!b) return '';
    const d = r.folds.map((f, i) => f[k] - (b.folds[i] as FoldResult)[k]);
    return `${(d.reduce((a, v) => a + v, 0) / d.length).toFixed(4)} (${d.filter((v) => v > 0).length}+/${d.filter((v) => v < 0).length}-)`;
  };
  console.log('\nranked by mean ROC-AUC (threshold-free, the steadier signal), then mean F1:');
  console.log('| config@target_fpr | mean AUC | mean F1 | min F1 | ΔAUC vs preset | ΔF1 vs preset |');
  for (const r of [...results].sort((a, b) => b.meanAuc - a.meanAuc || b.meanF1 - a.meanF1)) {
    console.log(`| ${r.candidate.name} | ${r.meanAuc.toFixed(4)} | ${r.meanF1.toFixed(4)} | ${r.minF1.toFixed(3)} | ${paired(r, 'rocAuc')} | ${paired(r, 'f1')} |`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
