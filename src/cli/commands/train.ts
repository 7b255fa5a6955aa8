/** @module `dfp train`: trains the configured model (autoencoder or classifier) on the lake's training_apps table. */
import type { Command } from 'commander';
import type { DfpConfig } from '../../core/config/schema.ts';
import type { RegisterOut } from '../../pipeline/steps/model.ts';
import type { TrainResult } from '../../train/run.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';

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

type Registered = RegisterOut & { name: string; production: boolean; decision: string };

/** `--register`: the registration step of `dfp run` (champion/challenger on the test split of the data commit). */
async function registerTrained(config: DfpConfig, name: string, r: TrainResult, metric: string | undefined): Promise<Registered> {
  const { DfpError } = await import('../../core/errors.ts');
  if (r.split.test === 0) {
    throw new DfpError(
      'INPUT_INVALID',
      `run ${r.run_id} is trained but not registered: its test split is empty, so there is nothing to compare it with production on (check train.test_from / train.test_months); register it anyway with \`dfp models register ${r.run_id} --name ${name}\``,
      { run_id: r.run_id },
    );
  }
  const [{ openLake }, { championRule, registerCandidate }] = await Promise.all([import('../../lake/open.ts'), import('../../pipeline/steps/model.ts')]);
  const lake = await openLake(config);
  const lines: string[] = [];
  try {
    const plan = { name, kind: r.model, config };
    const out = await registerCandidate(lake, plan, r.data.commit, { run_id: r.run_id, model_uri: r.artifacts.model_uri ?? `runs:/${r.run_id}/model` }, r.metrics, championRule(config, metric), (l) => lines.push(l.trim()));
    return { name, ...out, production: out.champion.promoted || out.champion.production_version === out.version, decision: lines.join(' ') };
  } finally {
    await lake.close();
  }
}

function registeredHuman(config: DfpConfig, g: Registered): string {
  const serve = config.serve.model === g.name ? 'dfp serve' : `dfp serve serve.model=${g.name}`;
  return [`registered: ${g.decision}`, g.production ? `serve it: ${serve}` : `production stays v${String(g.champion.production_version)}; promote this one anyway with \`dfp models promote ${g.name} ${g.version} --alias production\``].join('\n');
}

export function registerTrain(program: Command): void {
  withCommonOptions(withExamples(
    program
      .command('train')
      .description('train the fingerprint autoencoder or the supervised detector on the lake table training_apps')
      .option('--ref <ref>', 'lake branch, tag or commit to read (default: the head of lake.default_branch)')
      .option('--resume <run_id>', 'continue an interrupted (KILLED or FAILED) run from its last checkpoint: the same data commit, with the same overrides')
      .option('--register', 'register the model as `dfp run` does: a new version with alias candidate; production moves only if it beats production on the test split')
      .option('--register-name <name>', 'registered model name (implies --register; default kronodroid_autoencoder or kronodroid_detector, as `dfp run`)')
      .option('--metric <name>', 'with --register: test metric the candidate must beat production on (default retrain.metric: roc_auc; the challenger must win by more than retrain.margin)')
      .argument('[overrides...]', 'model=autoencoder|classifier and key=value config overrides')
      .addHelpText(
        'after',
        `
Reads training_apps (built by \`dfp ingest\` then \`dfp transform\`), splits it by time (train.split=time: the last
train.test_months months, or from train.test_from, are the test set), trains, calibrates the threshold on held-out
benign apps for model.target_fpr and records the run (params, per-epoch metrics, data commit, ONNX model,
preprocessing, plots, model card). The printed run_id works with \`dfp evaluate --model\`.
--register also registers the model exactly as \`dfp run\` does (kronodroid_autoencoder or kronodroid_detector unless
--register-name says otherwise): a new version with alias "candidate", and "production" moves to it only when it beats
the production version on the same test rows (--metric, default roc_auc). \`dfp serve\` then serves it.
The classifier is cross-fitted by default (model.classifier.calibration=crossfit, model.classifier.folds=5): one
member per fold of the training months, averaged in the exported model, calibrated on out-of-fold scores;
model.classifier.calibration=holdout trains one model on the training part and calibrates on the validation part.
SIGINT (Ctrl-C) or SIGTERM stops training between two steps: the run is marked KILLED, its best checkpoint is kept
under <workspace>/runs/<run_id>/checkpoint and \`dfp train --resume <run_id>\` (same overrides; train.epochs and
train.patience may change) continues from it in a new run. A second signal exits at once.`,
      ),
    [
      { line: 'dfp train', note: 'the fingerprint autoencoder (conf/config.yaml picks model=autoencoder)' },
      { line: 'dfp train model=classifier train.test_from=2019-10 --json' },
      { line: 'dfp train model=autoencoder train.epochs=50 model.autoencoder.swap_noise=0.2 --ref main' },
      { line: 'dfp train model=classifier --register --json', note: 'then registered as kronodroid_detector, as by dfp run' },
    ],
  )).action(
    defineAction(async (ctx, _args, opts) => {
      const { runTrain } = await import('../../train/run.ts');
      const register = opts.register === true || typeof opts.registerName === 'string';
      const [{ PIPELINE_MODELS }, { activeMask, isStaticOnly }] = await Promise.all([import('../../pipeline/run.ts'), import('../../core/ml/models/features.ts')]);
      // A classifier without the system-call columns is the static-only detector, registered under its own name.
      const staticOnly = isStaticOnly(activeMask(ctx.config.model.exclude_features));
      const name = typeof opts.registerName === 'string' ? opts.registerName : (PIPELINE_MODELS.find((m) => m.kind === ctx.config.model.name && m.staticOnly === staticOnly)?.name ?? '');
      if (register) (await import('../../core/tracking/index.ts')).checkModelName(name); // refuse before an hour of training, not after
      const result = await runTrain({ config: ctx.config, progress: ctx.progress, ...(opts.ref === undefined ? {} : { ref: String(opts.ref) }), ...(opts.resume === undefined ? {} : { resume: String(opts.resume) }) });
      ctx.log.info({ run_id: result.run_id, model: result.model }, 'train done');
      if (!register) return { result, human: human(result) };
      const registered = await registerTrained(ctx.config, name, result, typeof opts.metric === 'string' ? opts.metric : undefined);
      return { result: { ...result, registered }, human: `${human(result)}\n${registeredHuman(ctx.config, registered)}` };
    }),
  );
}
