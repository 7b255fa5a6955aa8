/** @module `dfp evaluate`: scores labelled data with a trained model and reports metrics at its calibrated threshold. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const f = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

export function registerEvaluate(program: Command): void {
  withCommonOptions(
    withExamples(
      program
        .command('evaluate')
        .description('score labelled apps with a trained model: ROC-AUC, PR-AUC and precision/recall/F1/FPR at its threshold')
        .requiredOption('--model <model>', 'run id printed by `dfp train`, a model directory, or a runs:/ or models:/ URI')
        .requiredOption('--data <data>', 'a KronoDroid file (CSV/Parquet/zip, either layout; need not be ingested) or a lake ref')
        .option('--include-seen', 'also score apps the model was trained or calibrated on (left out by default)')
        .option('--plots <dir>', 'write ROC, PR and score-histogram plots (SVG + PNG) here')
        .argument('[overrides...]', 'key=value config overrides'),
      [
        { line: 'dfp evaluate --model models:/kronodroid_detector@production --data kronodroid-real-2019.csv --json' },
        { line: 'dfp evaluate --model models:/kronodroid_autoencoder/1 --data main --plots plots/', note: 'training_apps at the lake branch main' },
      ],
      `
Apps the model saw in training or calibration (by sha256) are left out, so evaluating on the file it was trained
from measures the held-out rows only.`,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      if (typeof opts.model !== 'string' || typeof opts.data !== 'string') throw new DfpError('USAGE', 'give --model and --data');
      const { runEvaluate } = await import('../../train/evaluate.ts');
      const r = await runEvaluate({
        config: ctx.config,
        model: opts.model,
        data: opts.data,
        includeSeen: Boolean(opts.includeSeen),
        ...(typeof opts.plots === 'string' ? { plotsDir: opts.plots } : {}),
        progress: ctx.progress,
      });
      const c = r.confusion;
      const groups = r.per_family.length ? r.per_family : r.per_category;
      const human = [
        `${String(r.n)} apps (${String(r.positives)} malware), ${String(r.excluded_seen)} seen in training left out`,
        `roc_auc ${f(r.roc_auc)}  pr_auc ${f(r.pr_auc)}  precision ${f(r.precision)}  recall ${f(r.recall)}  f1 ${f(r.f1)}  fpr ${f(r.fpr)}  threshold ${String(r.threshold)}`,
        '',
        formatTable(['', 'flagged', 'not flagged'], [['malware', c.tp, c.fn], ['benign', c.fp, c.tn]]),
        ...(groups.length ? ['', formatTable([r.per_family.length ? 'family' : 'category', 'malware', 'detected', 'rate'], groups.map((g) => [g.group, g.n, g.detected, g.rate.toFixed(3)]))] : []),
      ].join('\n');
      return { result: r, human };
    }),
  );
}
