/**
 * @module Scoring one APK's fingerprint (src/fingerprint's `fingerprintApk`): its features become the model's input row,
 * the model is checked to be one that can answer for it, and the result says which model answered and whether the
 * system calls were absent. Without a trace only a static-only detector (metadata `static_only`, trained with
 * `model.exclude_features=["@syscalls"]`) may score: never a model that expects system calls, with zeros fed in.
 * Shared by `dfp score --apk` and POST /v1/score/apk; how the model runs (a Scorer, the server's micro-batcher) is
 * the caller's.
 */
import { DfpError } from '../core/errors.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import type { Attribution, ExplanationMethod, Rescore, RowOutputs } from '../core/ml/explain/index.ts';
import type { ModelRef } from '../core/scoring/model-source.ts';
import type { AppFingerprint } from '../fingerprint/fingerprint.ts';
import type { Scorer } from '../runtime/scorer.ts';

/** A model ready to score one app: the loaded model, and how rows reach it. */
export interface ApkModel {
  scorer: Scorer;
  /** Scores one raw row (FEATURE_COLUMNS wide); the outputs may be views valid until the next await. */
  run(x: Float32Array): Promise<RowOutputs>;
  /** Scores more rows the same way (occlusion explanations). */
  rescore: Rescore;
}

export interface ApkScore {
  file: string;
  sha256: string;
  package: string;
  score: number;
  is_malware: boolean;
  threshold: number;
  model: ModelRef;
  /** True when the app had no trace: its system-call columns were not measured, and a static-only model answered. */
  syscalls_absent: boolean;
  /** How top_features were found: the model's own explainer (occlusion for an MLP, TreeSHAP for trees and blends). */
  explanation: ExplanationMethod;
  /** The features behind the score, largest |value| first. */
  top_features: Attribution[];
  warnings: string[];
}

/** The app's features as a model input row (FEATURE_COLUMNS order); NaN where the fingerprint has none (no trace). */
export function apkRow(app: AppFingerprint): Float32Array {
  const f = app.features ?? {};
  return Float32Array.from(FEATURE_COLUMNS, (c) => {
    const v = f[c];
    return typeof v === 'number' ? v : Number.NaN;
  });
}

/** True when the model's metadata says its score does not read the system-call columns. */
export function isStaticOnlyModel(scorer: Scorer): boolean {
  return scorer.metadata.static_only === true;
}

/** Refuses to score an app without a trace with a model that reads system calls; the message says what to do. */
export function assertCanScore(scorer: Scorer, app: AppFingerprint): void {
  if (app.has_trace || isStaticOnlyModel(scorer)) return;
  const { name, version } = scorer.ref;
  throw new DfpError(
    'USAGE',
    `${app.file}: model ${name}${version ? ` v${version}` : ''} reads system calls, and this app has no trace: without one only a static-only detector can score it ` +
      '(kronodroid_detector_static, which `dfp run` trains, or any model trained with model.exclude_features=["@syscalls"]); or give the app\'s strace output with --trace',
    { model: name, file: app.file },
  );
}

/** Scores one app (read without error) with a model that may answer for it, and explains the score. */
export async function scoreApk(model: ApkModel, app: AppFingerprint): Promise<ApkScore> {
  if (app.error || app.sha256 === undefined) throw new DfpError('INPUT_INVALID', app.error?.message ?? `${app.file}: not an APK that was read`);
  assertCanScore(model.scorer, app);
  const x = apkRow(app);
  const out = await model.run(x);
  const score = out.score;
  // explain reads the outputs before its first await: the views are still valid here.
  const top = await model.scorer.explainer.explain(x, out, model.rescore);
  return {
    file: app.file,
    sha256: app.sha256,
    package: app.package ?? '',
    score,
    is_malware: model.scorer.flagged(score),
    threshold: model.scorer.metadata.threshold,
    model: model.scorer.ref,
    syscalls_absent: !app.has_trace,
    explanation: model.scorer.explainer.method,
    top_features: top,
    warnings: app.warnings,
  };
}

/** A Scorer used directly (the CLI): one session run per call. */
export function directModel(scorer: Scorer): ApkModel {
  return {
    scorer,
    run: async (x) => {
      const s = await scorer.score(x, 1);
      return { score: s.scores[0] as number, errors: s.featureErrors, offset: 0 };
    },
    rescore: async (x, rows) => (await scorer.score(x, rows)).scores,
  };
}
