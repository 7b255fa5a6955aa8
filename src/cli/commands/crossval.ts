/** @module `dfp crossval`: compares classifier configurations by family-grouped cross-validation on the training months. */
import type { Command } from 'commander';
import type { CandidateResult, CrossvalEstimate, CrossvalResult } from '../../train/crossval.ts';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatSeconds } from '../progress-lines.ts';
import { formatTable } from '../table.ts';

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(4)}` : 'n/a');
const paired = (r: CandidateResult, k: 'auc' | 'f1') => `${signed(k === 'auc' ? r.delta_auc : r.delta_f1)} (${k === 'auc' ? r.wins_auc : r.wins_f1}+/${k === 'auc' ? r.losses_auc : r.losses_f1}-)`;

function human(r: CrossvalResult): string {
  const d = r.data;
  const span = d.months.length ? `${d.months[0]}..${d.months[d.months.length - 1]}` : 'none';
  const base = r.candidates.find((c) => c.name === r.baseline) as CandidateResult;
  const lines = [
    `training months ${span} (from ${d.test_from} on left out${d.left_out_undated ? `, and ${d.left_out_undated} undated apps` : ''}): ${d.apps} apps, ${d.malware} malware in ${d.families} families`,
    `${r.folds} family-grouped folds x ${r.repeats} repeat(s), seed ${r.seed}: every candidate is fitted and scored on the same folds`,
    '',
    `${r.baseline} (${base.overrides.length ? base.overrides.join(' ') : 'no overrides'}), per fold:`,
    formatTable(
      ['repeat', 'fold', 'held families', 'held malware', 'roc_auc', 'f1', 'recall', 'fpr'],
      base.folds.map((x) => [x.repeat + 1, x.fold + 1, x.held_families, x.held_malware, f4(x.roc_auc), f4(x.f1), f4(x.recall), f4(x.fpr)]),
    ),
    `mean roc_auc ${f4(base.mean_auc)}  mean f1 ${f4(base.mean_f1)}  min f1 ${f4(base.min_f1)}  (${base.seconds}s)`,
  ];
  const tf = base.time_forward;
  if (tf) {
    lines.push(
      '',
      `${r.baseline}, time-forward protocol (${tf.model}): each month scored by a fit on the months before it, threshold from those months:`,
      formatTable(['month', 'apps', 'malware', 'trained on', 'roc_auc', 'f1', 'recall', 'fpr'], tf.months.map((m) => [m.month, m.n, m.malware, m.train_rows, f4(m.roc_auc), f4(m.f1), f4(m.recall), f4(m.fpr)])),
      `pooled roc_auc ${f4(tf.summary.roc_auc)}  f1 ${f4(tf.summary.f1)}  recall ${f4(tf.summary.recall)}  fpr ${f4(tf.summary.fpr)}`,
    );
  }
  if (r.candidates.length > 1) {
    lines.push(
      '',
      `ranked by mean ROC-AUC (threshold-free, the steadier signal), then mean F1; Δ = mean per-fold difference from ${r.baseline} (folds better+/worse-):`,
      formatTable(
        ['#', 'candidate', 'mean auc', 'mean f1', 'min f1', `Δauc vs ${r.baseline}`, `Δf1 vs ${r.baseline}`, 'time-fwd auc', 'time-fwd f1', 'seconds'],
        r.candidates.map((c, i) => [i + 1, c.name, f4(c.mean_auc), f4(c.mean_f1), f4(c.min_f1), paired(c, 'auc'), paired(c, 'f1'), f4(c.time_forward?.summary.roc_auc ?? Number.NaN), f4(c.time_forward?.summary.f1 ?? Number.NaN), c.same_fits_as ? `= ${c.same_fits_as}` : c.seconds]),
      ),
    );
  }
  lines.push('', `took ${formatSeconds(r.seconds)} (estimated ${formatSeconds(r.estimate.seconds)} for ${r.estimate.fits} fits)`);
  return lines.join('\n');
}

/** Printed before the first fit, so a long grid can be stopped before it has cost anything. */
function estimateLine(e: CrossvalEstimate, grid: string): string {
  const shared = e.candidates - e.configs;
  return (
    `crossval: ${e.candidates} candidate(s)${grid === 'none' ? '' : ` (--grid ${grid}, with the config)`}, ${e.configs} to fit` +
    `${shared ? ` (${shared} differ only in model.target_fpr and reuse those fits)` : ''} on ${e.folds} folds x ${e.repeats} repeat(s) = ${e.fits} fits; ` +
    `estimated ${formatSeconds(e.seconds)} (modelled from a 2-core machine; the progress ETA follows the real pace)` +
    (grid === 'full' ? '; --grid quick compares the preset with its ablations in minutes' : '')
  );
}

const collect = (v: string, prev: string[]) => [...prev, v];

function protocolOf(v: unknown): 'both' | 'family' {
  if (v === 'both' || v === 'family') return v;
  throw new DfpError('USAGE', `--protocol must be both or family, got '${String(v)}'`, { key: '--protocol' });
}

export function registerCrossval(program: Command): void {
  withCommonOptions(withExamples(
    program
      .command('crossval')
      .description('compare classifier configurations by family-grouped cross-validation on the training months only')
      .requiredOption('--data <data>', 'a KronoDroid file (CSV/Parquet/zip, either layout; need not be ingested) or a lake ref')
      .option('--test-from <YYYY-MM>', 'first test month, left out with every later one (default: as `dfp train` splits: train.test_from, else the last train.test_months months)')
      .option('--folds <n>', 'folds; each holds out whole malware families', '4')
      .option('--repeats <n>', 'repeats, each with another assignment of families to folds (seed, seed+1, …); default 1 with the quick grid, else 3')
      .option('--seed <n>', 'seed of the fold assignment', '7')
      .option('--protocol <p>', 'both (default): family-grouped folds and the time-forward protocol (rolling origin by month, as `dfp backtest`) side by side; family: the folds only', 'both')
      .option('--candidate <spec>', 'a configuration to compare: "<name>: key=value key=value" on top of the config (repeatable)', collect, [])
      .option('--grid [grid]', 'add a built-in candidate list: quick (the default: the shipped preset and its ablations, minutes), full (alias builtin: the ~60 candidates the preset was chosen from, hours) or none')
      .argument('[overrides...]', 'key=value overrides of the baseline config (model=classifier is implied)')
      .addHelpText(
        'after',
        `
Family-grouped cross-validation: the apps of the training months are cut into --folds folds such that every
malware family lies in exactly one fold (malware without a family each count as a family of one; benign apps are
dealt evenly). Each fold is scored by a model fitted on the other folds exactly as \`dfp train\` fits (validation
part, early stopping, cross-fitting, Platt scaling, the model.target_fpr threshold), so every malware app it scores
belongs to a family the model never saw. That is the situation that matters: KronoDroid's later (test) months are
dominated by families barely seen in training, and a plain random split, where every family is on both sides,
rewards memorising families instead. The test months themselves are never read, so the choice stays honest.

The baseline, named "config", is the resolved config with the overrides given (the classifier preset by default).
Each --candidate adds its overrides on top of it. --grid quick (or --grid alone) adds the shipped preset
(cf+ls0.05+drop0.4) and its ablations (cf+ls0.05, cf+drop0.4, former), each at target FPR 0.005 and 0.01, on
one repeat: 4 configurations to fit, about 5 minutes on the 2019 subset on a 2-core machine. --grid full (formerly
builtin) adds the whole grid the preset was chosen from (about 60 candidates: the options the former preset left
off, alone and combined, cross-fitting, capacity and regularisation, at both target FPRs) on 3 repeats: hours.
A bare \`dfp crossval --data <file>\` runs the quick grid; with --candidate or key=value overrides and no --grid, only
those are compared (--grid none: the config alone, its per-fold numbers printed). Before the first fit, one line on
stderr estimates the duration (fits x a modelled time per fit); then progress lines (candidate i/N, overall ETA)
follow: a bar on a terminal, elsewhere a line every 10 s (DFP_PROGRESS_SECONDS sets the pace).
Candidates are ranked by mean ROC-AUC, then mean F1, with the mean per-fold difference from the baseline on the same folds, and how many folds were better or worse: the
spread between folds is larger than most differences between configs, so read the pairing, not just the means.
Candidates that differ only in model.target_fpr share their models (the threshold moves, nothing is refitted).
The autoencoder is one-class and cannot be compared this way: model=autoencoder is refused.`,
      ),
    [
      { line: 'dfp crossval --data kronodroid-real-2019.csv', note: 'the quick grid, minutes' },
      { line: 'dfp crossval --data kronodroid-real-2019.csv --grid full', note: 'reproduce the preset choice, hours', kind: 'long' },
      { line: 'dfp crossval --data kronodroid-real-2019.csv model.classifier.dropout=0.3 --repeats 1' },
      {
        line: 'dfp crossval --data main --candidate "drop0.3: model.classifier.dropout=0.3" --candidate "wide: model.classifier.hidden=[128,64] model.classifier.dropout=0.5" --json',
        note: 'training_apps at the lake branch main',
      },
    ],
  )).action(
    defineAction(async (ctx, args, opts) => {
      if (typeof opts.data !== 'string') throw new DfpError('USAGE', 'give --data');
      if (args.length) throw new DfpError('USAGE', `unexpected argument '${args[0]}'; overrides are key=value`);
      const [{ runCrossval }, { DEFAULT_REPEATS, gridCandidates, parseCandidate, resolveGrid }] = await Promise.all([import('../../train/crossval.ts'), import('../../train/candidates.ts')]);
      const own = (opts.candidate as string[]).map(parseCandidate);
      const grid = resolveGrid(opts.grid, { candidates: own.length, overrides: ctx.overrides.length });
      const candidates = [...own, ...(grid === 'none' ? [] : gridCandidates(grid))];
      const result = await runCrossval({
        overrides: ctx.overrides,
        candidates,
        data: opts.data,
        ...(typeof opts.testFrom === 'string' ? { testFrom: opts.testFrom } : {}),
        folds: Number(opts.folds),
        repeats: opts.repeats === undefined ? DEFAULT_REPEATS[grid] : Number(opts.repeats),
        seed: Number(opts.seed),
        protocol: protocolOf(opts.protocol),
        progress: ctx.progress,
        onCandidate: (r) => ctx.log.info({ candidate: r.name, mean_auc: r.mean_auc, mean_f1: r.mean_f1, seconds: r.seconds }, 'crossval candidate done'),
        onEstimate: (e) => process.stderr.write(`${estimateLine(e, grid)}\n`),
      });
      return { result: { grid, ...result }, human: human(result) };
    }),
  );
}
