// `dfp run`: ingest → transform → features → train the models (autoencoder, detector, static-only detector) → evaluate → register (champion/challenger)
// → export, every step cached by its inputs so a re-run with nothing changed only checks, and a failed run
// resumes at the step that failed.
import { resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { openLake } from '../lake/open.ts';
import { failStaleRunsOf, openTracking } from '../tracking/index.ts';
import type { PipelineEnv } from './env.ts';
import { StepRunner } from './runner.ts';
import { loadState, saveLastRun } from './state.ts';
import { featuresStep, ingestStep, transformStep } from './steps/data.ts';
import { type Champion, championRule, type EvaluateOut, type ExportOut, type ModelPlan, type RegisterOut, type TrainOut, evaluateStep, exportStep, registerStep, staticOnlyPlan, trainStep } from './steps/model.ts';
import type { ModelSummary, RunSummary } from './types.ts';

/**
 * The registered models `dfp run` produces: the model preset each is trained with, the suffix of its step names, and
 * whether it is trained on the static columns only (model.exclude_features += @syscalls, see staticOnlyPlan): the
 * detector that scores an APK without a trace (`dfp score --apk`, POST /v1/score/apk).
 */
export const PIPELINE_MODELS = [
  { name: 'kronodroid_autoencoder', kind: 'autoencoder', step: 'autoencoder', staticOnly: false },
  { name: 'kronodroid_detector', kind: 'classifier', step: 'classifier', staticOnly: false },
  { name: 'kronodroid_detector_static', kind: 'classifier', step: 'classifier_static', staticOnly: true },
] as const;

// Serves the detector's verdict with the fingerprint model's anomaly score beside it (serve.model, serve.fingerprint_model).
export const SERVE_COMMAND = 'npx dfp serve';

export interface PipelineOptions {
  /** Config of the data steps (user overrides applied). */
  config: DfpConfig;
  /** Config each model trains with: the user's overrides over model=<kind>. */
  modelConfig: (kind: 'autoencoder' | 'classifier') => DfpConfig;
  source: string;
  branch?: string;
  champion?: Champion;
  progress?: Progress;
  /** One line per step (stderr in the CLI). */
  log?: (line: string) => void;
  /** The command that resumes this run (default `dfp run`), named when a step fails: with the same overrides it reads the same data. */
  rerun?: string;
}

const STEPS_PER_MODEL = 4;

export async function runPipeline(o: PipelineOptions): Promise<RunSummary> {
  const started = new Date();
  const t0 = performance.now();
  const workspace = resolve(o.config.workspace);
  const log = o.log ?? (() => undefined);
  const champion = o.champion ?? championRule(o.config);
  const state = loadState(workspace);
  const runner = new StepRunner(workspace, state, 3 + STEPS_PER_MODEL * PIPELINE_MODELS.length, o.progress ?? silentProgress, log, o.rerun);
  const summary: RunSummary = {
    status: 'failed',
    started_at: started.toISOString(),
    finished_at: '',
    seconds: 0,
    workspace,
    source: o.source,
    data_commit: '',
    data: null,
    steps: runner.report,
    models: {},
    exports: {},
    serve: SERVE_COMMAND,
  };
  // A run a crashed `dfp run` left RUNNING is ended FAILED before this one starts (src/tracking/stale.ts).
  await failStaleRunsOf(o.config, log);
  const lake = await openLake(o.config);
  const env: PipelineEnv = { config: o.config, lake, branch: o.branch ?? o.config.lake.default_branch, progress: o.progress ?? silentProgress, log };
  try {
    const ingest = await runner.step('ingest', () => ingestStep(env, o.source));
    const transform = await runner.step('transform', () => transformStep(env, ingest));
    const dataCommit = transform.commit;
    summary.data_commit = dataCommit;
    summary.data = { table: o.config.train.table, rows: transform.rows[o.config.train.table] ?? 0, ingest_commit: ingest.commit, raw_table: o.config.data.table };
    await runner.step('features', () => featuresStep(env, dataCommit));

    const plans: ModelPlan[] = PIPELINE_MODELS.map((p) => ({ ...p, ...(p.staticOnly ? staticOnlyPlan(o.modelConfig(p.kind)) : { config: o.modelConfig(p.kind) }) }));
    const trained = new Map<string, TrainOut>();
    const evaluated = new Map<string, EvaluateOut>();
    const registered = new Map<string, RegisterOut>();
    const tableHash = (c: DfpConfig) => transform.tables[c.train.table] ?? '';
    // Train all first, then evaluate, register and export: a cheap later step never waits on a later training.
    // The trainings run side by side: the detectors' time-forward selection works on worker threads while the
    // autoencoder trains on this one, so both cores are busy.
    const fits = await Promise.allSettled(plans.map((m) => runner.step(`train_${m.step}`, () => trainStep(env, m, dataCommit, tableHash(m.config)))));
    for (const [i, f] of fits.entries()) {
      if (f.status === 'rejected') throw f.reason;
      trained.set(plans[i]!.name, f.value);
    }
    for (const m of plans) evaluated.set(m.name, await runner.step(`evaluate_${m.step}`, () => evaluateStep(env, m, dataCommit, trained.get(m.name) as TrainOut)));
    for (const m of plans) {
      registered.set(m.name, await runner.step(`register_${m.step}`, () => registerStep(env, m, dataCommit, trained.get(m.name) as TrainOut, evaluated.get(m.name) as EvaluateOut, champion)));
    }
    const exported = new Map<string, ExportOut>();
    for (const m of plans) exported.set(m.name, await runner.step(`export_${m.step}`, () => exportStep(env, m, registered.get(m.name) as RegisterOut, trained.get(m.name) as TrainOut)));

    summary.models = await modelSummaries(o.config, plans, trained, evaluated, registered);
    for (const [name, e] of exported) summary.exports[name] = { version: e.version, onnx: e.onnx, tflite: e.tflite };
    summary.status = 'succeeded';
    return summary;
  } catch (e) {
    const step = e instanceof DfpError && typeof e.details?.step === 'string' ? e.details.step : 'setup';
    summary.error = { step, message: messageOf(e) };
    throw e;
  } finally {
    summary.finished_at = new Date().toISOString();
    summary.seconds = Math.round(performance.now() - t0) / 1000;
    saveLastRun(workspace, summary);
    await lake.close();
  }
}

async function modelSummaries(
  config: DfpConfig,
  plans: ModelPlan[],
  trained: Map<string, TrainOut>,
  evaluated: Map<string, EvaluateOut>,
  registered: Map<string, RegisterOut>,
): Promise<Record<string, ModelSummary>> {
  // Production is read now, not from the cache: another run or `dfp models` may have moved it since.
  const t = await openTracking(config);
  try {
    const out: Record<string, ModelSummary> = {};
    for (const m of plans) {
      const r = registered.get(m.name) as RegisterOut;
      const prod = await t.getVersionByAlias(m.name, 'production');
      out[m.name] = {
        kind: m.kind,
        static_only: m.staticOnly,
        version: r.version,
        run_id: (trained.get(m.name) as TrainOut).run_id,
        metrics: (evaluated.get(m.name) as EvaluateOut).metrics,
        production: prod?.version === r.version,
        production_version: prod?.version ?? null,
        retrain: (trained.get(m.name) as TrainOut).retrain,
        champion: r.champion,
      };
    }
    return out;
  } finally {
    await t.close();
  }
}
