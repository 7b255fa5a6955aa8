/** @module `dfp train`: trains the configured model (autoencoder or classifier) on the lake's training_apps table. */
import type { Command } from 'commander';
import type { TrainResult } from '../../train/run.ts';
import { defineAction, withCommonOptions } from '../context.ts';

const f = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

function human(r: TrainResult): string {
  const m = r.metrics;
  const v = r.validation;
  return [
    `trained ${r.model} in ${r.training.seconds}s (${r.training.epochs_run} epochs, best ${r.training.best_epoch}${r.training.stopped_early ? ', stopped early' : ''})`,
    `data: ${r.data.table} @ ${r.data.ref} (${r.data.commit.slice(0, 12)}), ${r.split.kind} split: train ${r.split.train}, validation ${r.split.validation}, test ${r.split.test}` +
      (r.split.test_months.length ? ` (test months ${r.split.test_months[0]}..${r.split.test_months[r.split.test_months.length - 1]})` : ''),
    ...(r.training.members > 1 ? [`members: ${r.training.members} MLPs averaged (${r.training.calibration === 'crossfit' ? 'one per cross-fitting fold' : 'one per seed'}); epochs above are the first member's`] : []),
    `validation (${r.training.calibration === 'crossfit' ? `out-of-fold, ${String(v.n)} apps` : `${String(v.n)} apps`}): roc_auc ${f(v.roc_auc)}  f1 ${f(v.f1)}  fpr ${f(v.fpr)}`,
    `test: roc_auc ${f(m.roc_auc)}  pr_auc ${f(m.pr_auc)}  precision ${f(m.precision)}  recall ${f(m.recall)}  f1 ${f(m.f1)}  fpr ${f(m.fpr)}  threshold ${String(m.threshold)}`,
    `run_id: ${r.run_id}`,
    `model: ${r.artifacts.model_dir} (${r.artifacts.model_uri})`,
  ].join('\n');
}

export function registerTrain(program: Command): void {
  withCommonOptions(
    program
      .command('train')
      .description('train the fingerprint autoencoder or the supervised detector on the lake table training_apps')
      .option('--ref <ref>', 'lake branch, tag or commit to read (default: the head of lake.default_branch)')
      .argument('[overrides...]', 'model=autoencoder|classifier and key=value config overrides')
      .addHelpText(
        'after',
        `
Reads training_apps (built by \`dfp ingest\` then \`dfp transform\`), splits it by time (train.split=time: the last
train.test_months months, or from train.test_from, are the test set), trains, calibrates the threshold on held-out
benign apps for model.target_fpr and records the run (params, per-epoch metrics, data commit, ONNX model,
preprocessing, plots, model card). The printed run_id works with \`dfp evaluate --model\`.
The classifier is cross-fitted by default (model.classifier.calibration=crossfit, model.classifier.folds=5): one
member per fold of the training months, averaged in the exported model, calibrated on out-of-fold scores;
model.classifier.calibration=holdout trains one model on the training part and calibrates on the validation part.

Examples:
  dfp train
  dfp train model=classifier train.test_from=2019-10 --json
  dfp train model=autoencoder train.epochs=50 model.autoencoder.swap_noise=0.2 --ref v1`,
      ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const { runTrain } = await import('../../train/run.ts');
      const result = await runTrain({ config: ctx.config, progress: ctx.progress, ...(opts.ref === undefined ? {} : { ref: String(opts.ref) }) });
      ctx.log.info({ run_id: result.run_id, model: result.model }, 'train done');
      return { result, human: human(result) };
    }),
  );
}
