/**
 * @module `dfp score --apk`: APKs (files, folders, zips of APKs) and optional strace outputs → fingerprints
 * (`fingerprintInputs`) → one verdict per app through the model runtime. The model comes from the registry at
 * serve.alias: an app with a trace is scored by the full detector (serve.model), one without by the static-only
 * detector (serve.static_model), never by a model that expects system calls. `--model` names one model for all apps
 * (then apps without a trace need it to be static-only).
 */
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, isDfpError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { Tracking } from '../core/tracking/types.ts';
import { type AppFingerprint, fingerprintInputs } from '../fingerprint/fingerprint.ts';
import { openModel } from '../runtime/open.ts';
import { Scorer } from '../runtime/scorer.ts';
import { RegistryModelSource } from '../runtime/sources/registry.ts';
import { openTracking } from '../tracking/index.ts';
import { type ApkModel, type ApkScore, directModel, scoreApk } from './apk.ts';

export interface ScoreApkOptions {
  config: DfpConfig;
  /** APK files, folders of APKs, zips of APKs. */
  inputs: string[];
  /** strace outputs, paired with the APKs as `dfp fingerprint` pairs them. */
  traces: string[];
  /** One model for every app (run id, model directory, runs:/ or models:/ URI) instead of the registry's pick. */
  model?: string;
  progress?: Progress;
}

/** An app that could not be scored: its file and the fingerprint's error. */
export interface ApkFailure {
  file: string;
  error: NonNullable<AppFingerprint['error']>;
}

export interface ScoreApkReport {
  apps: (ApkScore | ApkFailure)[];
  scored: number;
  flagged: number;
  failed: number;
}

/** The models of one call, opened on first use and closed together. */
class Models {
  private readonly open = new Map<string, Promise<{ model: ApkModel; close: () => Promise<void> }>>();
  private tracking: Promise<Tracking> | undefined;

  constructor(private readonly config: DfpConfig) {}

  get(key: string, load: () => Promise<{ model: ApkModel; close: () => Promise<void> }>): Promise<ApkModel> {
    let m = this.open.get(key);
    if (!m) this.open.set(key, (m = load()));
    return m.then((x) => x.model);
  }

  /** `name` at serve.alias in the registry, as the server and the dashboard load it. */
  registered(name: string, role: string): Promise<ApkModel> {
    return this.get(`registry:${name}`, async () => {
      this.tracking ??= openTracking(this.config);
      const source = new RegistryModelSource(await this.tracking, name, false);
      const alias = this.config.serve.alias;
      let ref;
      try {
        ref = await source.resolve(alias);
      } catch (e) {
        if (isDfpError(e) && e.code === 'NOT_FOUND') throw new DfpError('NOT_FOUND', `${e.message}; \`dfp run\` trains and registers the ${role} (${name})`, { model: name }, { cause: e });
        throw e;
      }
      const scorer = await Scorer.open(await source.load(ref));
      return { model: directModel(scorer), close: () => scorer.close() };
    });
  }

  /** A model named on the command line. */
  named(spec: string): Promise<ApkModel> {
    return this.get(`spec:${spec}`, async () => {
      const { model, cleanup } = await openModel(this.config, spec);
      return {
        model: directModel(model),
        close: async () => {
          await model.close();
          await cleanup();
        },
      };
    });
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled(this.open.values());
    for (const m of all) if (m.status === 'fulfilled') await m.value.close();
    if (this.tracking) await (await this.tracking).close();
  }
}

export async function runScoreApk(o: ScoreApkOptions): Promise<ScoreApkReport> {
  const apps = await fingerprintInputs(o.inputs, o.traces, o.progress ? { progress: o.progress } : {});
  const readable = apps.filter((a) => !a.error && a.sha256 !== undefined);
  if (readable.length === 0) {
    const reasons = apps.map((a) => a.error?.message ?? `${a.file}: a trace without its APK cannot be scored (give the APK too)`);
    throw new DfpError('INPUT_INVALID', `no APK could be read: ${reasons.join('; ')}`, { apps });
  }
  const s = o.config.serve;
  if (o.model === undefined && s.static_model === 'none' && readable.some((a) => !a.has_trace)) {
    throw new DfpError('CONFIG_INVALID', 'serve.static_model is none: an APK without a trace cannot be scored; give its strace output with --trace', { key: 'serve.static_model' });
  }
  const models = new Models(o.config);
  try {
    const out: ScoreApkReport['apps'] = [];
    for (const app of apps) {
      if (app.error || app.sha256 === undefined) {
        out.push({ file: app.file, error: app.error ?? { code: 'INPUT_INVALID', reason: 'trace_invalid', message: `${app.file}: a trace without its APK cannot be scored (give the APK too)` } });
        continue;
      }
      const model = o.model !== undefined ? await models.named(o.model) : app.has_trace ? await models.registered(s.model, 'detector') : await models.registered(s.static_model, 'static-only detector');
      out.push(await scoreApk(model, app));
    }
    const scored = out.filter((a): a is ApkScore => !('error' in a));
    return { apps: out, scored: scored.length, flagged: scored.filter((a) => a.is_malware).length, failed: out.length - scored.length };
  } finally {
    await models.close();
  }
}
