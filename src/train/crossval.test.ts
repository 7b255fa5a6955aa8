// Family-grouped cross-validation: folds that never split a family, and paired comparisons on shared folds.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { builtinCandidates, parseCandidate } from './candidates.ts';
import { type CompareOptions, crossvalidate, familyFolds } from './crossval.ts';
import type { Dataset } from './data.ts';
import { synthDataset } from './testing.ts';

/** synthDataset whose malware form families of the given sizes, in order; the malware left over have no family. */
function withFamilies(n: number, seed: number, sizes: number[]): Dataset {
  const d = synthDataset(n, seed);
  const names = sizes.flatMap((size, j) => Array.from({ length: size }, () => `fam${j}`));
  let m = 0;
  return { ...d, family: d.family.map((_, i) => (d.y[i] ? (names[m++] ?? null) : null)) };
}

const base = (ws: string): string[] => [`workspace=${ws}`, 'train.epochs=3', 'train.batch_size=32', 'model.classifier.hidden=[8]', 'model.classifier.folds=2'];

function opts(ws: string, o: Partial<CompareOptions> = {}): CompareOptions {
  return { overrides: base(ws), candidates: [], folds: 3, repeats: 1, seed: 7, env: {}, ...o };
}

test('familyFolds: a family never straddles folds, malware and benign are balanced, seeded', () => {
  const d = withFamilies(400, 11, [30, 15, 10, 8, 5, 3, 1, 1]);
  const k = 4;
  const fold = familyFolds(d, k, 7);
  const byFamily = new Map<string, Set<number>>();
  d.family.forEach((f, i) => f !== null && byFamily.set(f, (byFamily.get(f) ?? new Set()).add(fold[i] as number)));
  assert.ok(byFamily.size >= 4, `expected several families, got ${byFamily.size}`);
  for (const [f, folds] of byFamily) assert.equal(folds.size, 1, `${f} is in folds ${[...folds].join(',')}`);
  const count = (cls: number) => Array.from({ length: k }, (_, f) => fold.filter((g, i) => g === f && d.y[i] === cls).length);
  const malware = count(1);
  const sizes = [...byFamily.keys()].map((f) => d.family.filter((v) => v === f).length);
  // Largest family first into the lightest fold: loads differ by at most the largest family.
  assert.ok(Math.max(...malware) - Math.min(...malware) <= Math.max(...sizes), `malware per fold ${malware.join(',')}, families ${sizes.join(',')}`);
  assert.ok(malware.every((v) => v > 0), `every fold holds malware: ${malware.join(',')}`);
  const benign = count(0);
  assert.ok(Math.max(...benign) - Math.min(...benign) <= 1, `benign per fold ${benign.join(',')}`);
  assert.deepEqual(familyFolds(d, k, 7), fold, 'same seed, same folds');
  assert.notDeepEqual(familyFolds(d, k, 8), fold, 'another seed, other folds');
});

test('familyFolds: many equal families spread evenly', () => {
  const d = synthDataset(300, 4);
  let m = 0;
  const even = { ...d, family: d.family.map((_, i) => (d.y[i] ? `f${m++ % 12}` : null)) };
  const malware = Array.from({ length: 4 }, (_, f) => familyFolds(even, 4, 3).filter((g, i) => g === f && even.y[i]).length);
  assert.ok(Math.max(...malware) - Math.min(...malware) <= Math.ceil(m / 12), `malware per fold ${malware.join(',')}`);
});

test('crossvalidate: two candidates on the same folds, deterministic, deltas paired with the baseline', async () => {
  const d = withFamilies(160, 3, [12, 10, 8, 6]);
  const ws = mkdtempSync(join(tmpdir(), 'dfp-crossval-'));
  const o = opts(ws, {
    candidates: [parseCandidate('drop0.5: model.classifier.dropout=0.5'), parseCandidate('fpr10: model.target_fpr=0.1')],
    repeats: 2,
  });
  const a = await crossvalidate(d, o);
  assert.deepEqual(a.map((r) => r.name).sort(), ['config', 'drop0.5', 'fpr10']);
  const baseline = a.find((r) => r.name === 'config')!;
  for (const r of a) {
    assert.equal(r.folds.length, o.folds * o.repeats);
    // Same folds for every candidate: the same held-out malware in each.
    assert.deepEqual(r.folds.map((f) => [f.repeat, f.fold, f.held_malware, f.held_families]), baseline.folds.map((f) => [f.repeat, f.fold, f.held_malware, f.held_families]));
    const mean = (k: 'roc_auc' | 'f1') => r.folds.reduce((s, f) => s + f[k], 0) / r.folds.length;
    assert.ok(Math.abs(r.mean_auc - mean('roc_auc')) < 1e-12 && Math.abs(r.mean_f1 - mean('f1')) < 1e-12);
    assert.ok(Math.abs(r.delta_auc - (r.mean_auc - baseline.mean_auc)) < 1e-9, `${r.name}: delta_auc ${r.delta_auc}`);
    assert.ok(Math.abs(r.delta_f1 - (r.mean_f1 - baseline.mean_f1)) < 1e-9, `${r.name}: delta_f1 ${r.delta_f1}`);
    assert.equal(r.wins_auc + r.losses_auc <= r.folds.length, true);
    for (const f of r.folds) assert.ok(f.roc_auc >= 0 && f.roc_auc <= 1 && f.held_malware > 0, JSON.stringify(f));
  }
  assert.equal(baseline.delta_auc, 0);
  assert.equal(baseline.wins_auc + baseline.losses_auc, 0);
  // Only the threshold moves: fpr10 reuses the baseline's models, so its ROC-AUC is the same fold by fold.
  const fpr10 = a.find((r) => r.name === 'fpr10')!;
  assert.equal(fpr10.same_fits_as, 'config');
  assert.deepEqual(fpr10.folds.map((f) => f.roc_auc), baseline.folds.map((f) => f.roc_auc));
  assert.ok(fpr10.folds.every((f, i) => f.fpr >= baseline.folds[i]!.fpr), 'a looser target FPR never flags fewer benign apps');
  // Ranked by mean ROC-AUC, then mean F1.
  for (let i = 1; i < a.length; i++) assert.ok(a[i - 1]!.mean_auc > a[i]!.mean_auc || (a[i - 1]!.mean_auc === a[i]!.mean_auc && a[i - 1]!.mean_f1 >= a[i]!.mean_f1));
  const strip = (rs: typeof a) => rs.map(({ seconds: _s, ...r }) => r);
  assert.deepEqual(strip(await crossvalidate(d, o)), strip(a), 'same seed, same numbers');
});

test('crossvalidate: fewer malware families than folds is refused naming --folds', async () => {
  const d = withFamilies(120, 5, [10, 1000]);
  await assert.rejects(
    crossvalidate(d, opts(mkdtempSync(join(tmpdir(), 'dfp-crossval-')), { folds: 3 })),
    (e: unknown) => e instanceof DfpError && e.code === 'INPUT_INVALID' && /--folds 3/.test(e.message) && /found 2/.test(e.message),
  );
});

test('crossvalidate: the autoencoder and bad overrides are refused before anything is fitted', async () => {
  const d = withFamilies(120, 5, [10, 10, 10]);
  const ws = mkdtempSync(join(tmpdir(), 'dfp-crossval-'));
  await assert.rejects(crossvalidate(d, opts(ws, { overrides: [...base(ws), 'model=autoencoder'] })), (e: unknown) => e instanceof DfpError && e.code === 'CONFIG_INVALID' && /one-class/.test(e.message));
  await assert.rejects(
    crossvalidate(d, opts(ws, { candidates: [parseCandidate('ae: model=autoencoder')] })),
    (e: unknown) => e instanceof DfpError && /candidate 'ae'/.test(e.message) && /one-class/.test(e.message),
  );
  await assert.rejects(
    crossvalidate(d, opts(ws, { candidates: [parseCandidate('typo: model.classifier.dropot=0.3')] })),
    (e: unknown) => e instanceof DfpError && e.code === 'CONFIG_INVALID' && /candidate 'typo'/.test(e.message) && /dropot/.test(e.message),
  );
  await assert.rejects(crossvalidate(d, opts(ws, { candidates: [parseCandidate('config: train.epochs=2')] })), /used twice/);
  await assert.rejects(crossvalidate(d, opts(ws, { folds: 1 })), /--folds must be an integer >= 2/);
});

test('parseCandidate and the built-in grid', () => {
  assert.deepEqual(parseCandidate(' wide :  model.classifier.hidden=[128,64]   model.clip=2 '), { name: 'wide', overrides: ['model.classifier.hidden=[128,64]', 'model.clip=2'] });
  assert.throws(() => parseCandidate('model.clip=2'), /"<name>: key=value/);
  assert.throws(() => parseCandidate('x: dropout'), /'dropout' is not key=value/);
  const grid = builtinCandidates();
  assert.equal(new Set(grid.map((c) => c.name)).size, grid.length, 'unique names');
  // The shipped preset is in the grid, spelled out: its settings win over the former preset's.
  const preset = grid.find((c) => c.name === 'cf+ls0.05+drop0.4@0.005');
  assert.ok(preset);
  const last = (key: string) => preset.overrides.filter((o) => o.startsWith(`${key}=`)).pop();
  assert.equal(last('model.classifier.calibration'), 'model.classifier.calibration=crossfit');
  assert.equal(last('model.classifier.dropout'), 'model.classifier.dropout=0.4');
  assert.equal(last('model.target_fpr'), 'model.target_fpr=0.005');
});
