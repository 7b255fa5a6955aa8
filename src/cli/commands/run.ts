/** @module `dfp run`: the whole job — ingest, transform, features, train the models, evaluate, register (champion/challenger), export — cached per step. */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import { defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { commandLine } from '../shell.ts';

const OVERRIDE = /^[+\w.-]+=/;

export function registerRun(program: Command): void {
  const cmd = withCommonOptions(withExamples(
    program
      .command('run')
      .description('the main job: ingest → transform → features → train (autoencoder, detector, static-only detector) → evaluate → register → export, cached per step')
      .option('--source <src>', 'data source: a file, folder, URL, kaggle:<owner>/<dataset> or kronodroid:real|emulator (default: data.source)')
      .option('--replay-months', 'replay --source month by month through the retraining loop (retrain.*) instead of running the pipeline: per-month alert rate, recall, FPR, drift and promotions, with a plot')
      .option('--metric <name>', 'test metric the candidate must beat production on (default retrain.metric: roc_auc; the challenger must win by more than retrain.margin)')
      .argument('[overrides...]', 'key=value config overrides, applied to every step and every model (e.g. train.epochs=20)'),
    [
      { line: 'dfp run --source kronodroid-real-2019.csv', note: 'a local KronoDroid file: no internet needed' },
      { line: 'dfp run --source kronodroid-real-2019.csv train.epochs=30 --metric pr_auc --json', note: 'new candidates; production moves only if better' },
      { line: 'dfp run data=kronodroid_emulator --source emulator-export.csv', note: 'the emulator capture' },
      { line: 'dfp run', note: 'data.source: downloads the public real-device archives', needs: 'internet' },
    ],
    `
Each step is cached by a hash of its inputs (source bytes, lake commit, config section, SQL, dfp version):
a re-run with nothing changed reports every step "cached". A failed step stops the run naming it and the
command that resumes it (the same --source and overrides): after fixing the cause, run that and it resumes
there. Without internet, give --source a local KronoDroid file. Step records: <workspace>/runs/pipeline/state.json;
the last summary (also the --json output): <workspace>/runs/last-run.json.

Models: kronodroid_autoencoder (model=autoencoder), kronodroid_detector (model=classifier) and
kronodroid_detector_static (model=classifier without the system-call columns, as trees unless a kind is given: it
scores an APK without a trace, dfp score --apk and POST /v1/score/apk). Each new
version gets alias "candidate"; "production" moves only when the candidate beats the production version
on the same test rows. Exports (ONNX, TFLite) of the production versions go to <workspace>/exports/.`,
  ));
  cmd.action(async (...raw: unknown[]) => {
    // Both models load their own config (model=<kind>), so the raw overrides are kept for them.
    const overrides = (Array.isArray(raw[0]) ? (raw[0] as string[]) : []).filter((a) => OVERRIDE.test(a));
    await defineAction(async (ctx, args, opts) => {
      if (args.length) throw new DfpError('USAGE', `unexpected argument '${args[0]}'; overrides are key=value`);
      // Refuse rather than silently run locally what the user asked to run elsewhere.
      if (ctx.config.orchestration.name !== 'local') {
        throw new DfpError('CONFIG_INVALID', `orchestration.name=${ctx.config.orchestration.name} is not available yet: dfp run executes its steps in this process; use orchestration=local`, { key: 'orchestration.name' });
      }
      if (opts.replayMonths === true) {
        if (typeof opts.source !== 'string') throw new DfpError('USAGE', '--replay-months needs --source <a labelled, dated KronoDroid file>', { key: '--source' });
        const [{ loadConfig }, { runReplay }, { replaySummary }] = await Promise.all([import('../../core/config/load.ts'), import('../../replay/run.ts'), import('../replay-summary.ts')]);
        const config = loadConfig({ overrides: [...overrides, 'model=classifier', 'model.name=classifier'] }).config;
        const r = await runReplay({ config, data: opts.source, progress: ctx.progress });
        return { result: r, human: replaySummary(r) };
      }
      const [{ loadConfig }, { runPipeline }, { humanSummary }, { championRule }] = await Promise.all([
        import('../../core/config/load.ts'),
        import('../../pipeline/run.ts'),
        import('../run-summary.ts'),
        import('../../pipeline/steps/model.ts'),
      ]);
      const summary = await runPipeline({
        config: ctx.config,
        modelConfig: (kind) => loadConfig({ overrides: [...overrides, `model=${kind}`, `model.name=${kind}`] }).config,
        source: typeof opts.source === 'string' ? opts.source : ctx.config.data.source,
        champion: championRule(ctx.config, typeof opts.metric === 'string' ? opts.metric : undefined),
        progress: ctx.progress,
        log: (line) => process.stderr.write(`dfp run ${line}\n`),
        // A resume must read the same data with the same settings: the hint repeats what was given.
        rerun: commandLine(['dfp', 'run', ...(typeof opts.source === 'string' ? ['--source', opts.source] : []), ...(typeof opts.metric === 'string' ? ['--metric', opts.metric] : []), ...overrides]),
      });
      return { result: summary, human: humanSummary(summary) };
    })(...raw);
  });
}
