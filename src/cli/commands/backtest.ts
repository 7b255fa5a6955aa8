/** @module `dfp backtest`: the time-forward protocol on a labelled file, month by month. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'n/a');

export function registerBacktest(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('backtest')
        .description('how the configured model would have done month by month: each month scored by a model fitted on the months before it')
        .requiredOption('--data <data>', 'labelled apps with dates: a KronoDroid file (CSV/Parquet/zip, either layout) or a lake ref')
        .option('--before <YYYY-MM>', 'only the months before this one: compare settings on the training months without reading the test months')
        .argument('[overrides...]', 'key=value config overrides (model=classifier is the default; model=autoencoder backtests the fingerprint model)'),
      [
        { line: 'dfp backtest --data kronodroid-real-2019.csv', note: 'the detector kinds model.classifier.kind=auto compares' },
        { line: 'dfp backtest --data kronodroid-real-2019.csv model.classifier.kind=trees --json' },
        { line: 'dfp backtest --data kronodroid-real-2019.csv model=autoencoder --before 2019-10', note: 'the training months only' },
      ],
      `
The time-forward protocol (rolling origin by month): every month with at least
model.classifier.selection.min_malware malware apps in the months before it, and both classes in it, is an
origin. For each origin month m a model is fitted exactly as \`dfp train\` fits (validation part, cross-fitting,
Platt scaling, the model.target_fpr threshold from the earlier months' held-out scores) on the months before m,
and month m, which it never saw, is scored. Per month: apps, malware, ROC-AUC, F1, recall and FPR at that
threshold; the summary pools every origin month (each app flagged at its own month's threshold). With
model.classifier.kind=auto (the default preset) every candidate kind is backtested and the one the protocol picks
is named: the same comparison \`dfp train\` runs on the training months. Origin months run in parallel on worker
threads (train.workers). A line plot of the months is written as SVG and PNG.`,
    ),
  ).action(
    defineAction(async (ctx, args, opts) => {
      if (typeof opts.data !== 'string') throw new DfpError('USAGE', 'give --data');
      if (args.length) throw new DfpError('USAGE', `unexpected argument '${args[0]}'; overrides are key=value`);
      const [{ runBacktest }, { loadConfig }] = await Promise.all([import('../../backtest/run.ts'), import('../../core/config/load.ts')]);
      // The detector unless the overrides name a model, as `dfp crossval`.
      const named = ctx.overrides.some((o) => /^\+?model=/.test(o));
      const config = named ? ctx.config : loadConfig({ overrides: ['model=classifier', ...ctx.overrides] }).config;
      if (opts.before !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(String(opts.before))) throw new DfpError('USAGE', `--before must be a month YYYY-MM, got '${String(opts.before)}'`, { key: '--before' });
      const r = await runBacktest({ config, data: opts.data, progress: ctx.progress, ...(typeof opts.before === 'string' ? { before: opts.before } : {}) });
      const lines = [
        `${r.model} on ${r.data.source}: ${r.data.apps} apps, ${r.data.malware} malware, ${r.data.months.length} months; ${r.months.length} origin months`,
        '',
        formatTable(['month', 'apps', 'malware', 'trained on', 'roc_auc', 'f1', 'recall', 'fpr'], r.months.map((m) => [m.month, m.n, m.malware, `${m.train_rows} (${m.train_malware} malware)`, f4(m.roc_auc), f4(m.f1), f4(m.recall), f4(m.fpr)])),
        `pooled: roc_auc ${f4(r.summary.roc_auc)}  f1 ${f4(r.summary.f1)}  recall ${f4(r.summary.recall)}  fpr ${f4(r.summary.fpr)}  (mean monthly roc_auc ${f4(r.summary.mean_roc_auc)})`,
      ];
      if (r.candidates) {
        lines.push('', `candidates (model.classifier.kind=auto), pooled over the same months; the protocol picks ${r.chosen}:`);
        lines.push(formatTable(['kind', 'roc_auc', 'f1', 'recall', 'fpr'], r.candidates.map((c) => [c.model, f4(c.summary.roc_auc), f4(c.summary.f1), f4(c.summary.recall), f4(c.summary.fpr)])));
      }
      lines.push('', `plot: ${r.plots.png}`);
      return { result: r, human: lines.join('\n') };
    }),
  );
}
