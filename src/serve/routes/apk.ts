// POST /v1/score/apk: an APK as the raw body (application/vnd.android.package-archive, at most serve.apk_limit_bytes:
// 413 as soon as an upload passes it, whatever Content-Length says, without holding more than the limit) →
// fingerprint (src/fingerprint) → the static-only detector (serve.static_model at serve.alias) → verdict, model, top
// features and `syscalls_absent: true`. An APK carries no trace, so only a model whose metadata says static_only
// answers: never one that expects system calls. An APK that cannot be read is a 422 with the fingerprint's message.
import type { FastifyInstance } from 'fastify';
import { DfpError } from '../../core/errors.ts';
import { ScoringInputError } from '../../core/scoring/errors.ts';
import { fingerprintApk } from '../../fingerprint/fingerprint.ts';
import type { ModelHolder } from '../../runtime/holder.ts';
import { type ApkModel, isStaticOnlyModel, scoreApk } from '../../score/apk.ts';
import { errorHandler } from '../http-errors.ts';
import type { ServeMetrics } from '../metrics.ts';

export const APK_CONTENT_TYPE = 'application/vnd.android.package-archive';

export interface ApkRouteOptions {
  /** The static-only detector's holder; undefined when serve.static_model is none (the route then answers 404). */
  holder: ModelHolder | undefined;
  /** Largest body accepted (serve.apk_limit_bytes). */
  limitBytes: number;
  metrics: ServeMetrics;
}

const attribution = { type: 'object', properties: { name: { type: 'string' }, value: { type: 'number' } }, required: ['name', 'value'] } as const;

const apkResultSchema = {
  type: 'object',
  description: "The static-only detector's verdict on the APK (no trace: its system calls were not measured).",
  properties: {
    score: { type: 'number', description: 'higher = more likely malware' },
    is_malware: { type: 'boolean', description: 'score > threshold' },
    threshold: { type: 'number' },
    model: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } }, required: ['name', 'version'], description: 'the model that answered (serve.static_model at serve.alias)' },
    syscalls_absent: { type: 'boolean', description: 'always true here: an APK carries no trace, so a static-only model answered' },
    explanation: { type: 'string', enum: ['occlusion', 'tree_shap', 'reconstruction_z'], description: "how top_features were found: the model's own explainer" },
    top_features: { type: 'array', items: attribution, description: 'largest |value| first; occlusion (MLP): how much the score drops when the feature is reset to its training value; tree_shap (trees, blend): its SHAP contribution' },
    sha256: { type: 'string', description: 'of the uploaded APK' },
    package: { type: 'string', description: "the manifest's package name" },
    features: { type: 'object', additionalProperties: { type: ['number', 'string'] }, description: 'the KronoDroid static columns read from the APK (dfp fingerprint)' },
    warnings: { type: 'array', items: { type: 'string' }, description: 'what the fingerprint could not place (permissions without a column, …)' },
  },
  required: ['score', 'is_malware', 'threshold', 'model', 'syscalls_absent', 'explanation', 'top_features', 'sha256', 'package', 'features', 'warnings'],
} as const;

const error = { $ref: 'Error#' } as const;

export const apkRouteSchema = {
  summary: 'Score one APK file: fingerprinted, then the static-only detector (no system calls needed)',
  description:
    `Send the APK's bytes as the body with Content-Type ${APK_CONTENT_TYPE}. The server reads its manifest and archive ` +
    '(never extracting it), and scores the static columns with serve.static_model (kronodroid_detector_static, which `dfp run` trains without the system-call columns).',
  tags: ['scoring'],
  consumes: [APK_CONTENT_TYPE],
  body: { type: 'string', format: 'binary', description: 'the APK file' },
  response: {
    200: apkResultSchema,
    400: { description: 'empty body', ...error },
    404: { description: 'APK scoring is off: serve.static_model is none', ...error },
    413: { description: 'the APK is larger than serve.apk_limit_bytes', ...error },
    415: { description: `the body is not sent as ${APK_CONTENT_TYPE}`, ...error },
    422: { description: "the body is not a readable APK (not a zip, no or damaged manifest, zip bomb, …): the fingerprint's reason", ...error },
    503: { description: 'the static-only detector is not loaded, or the model under serve.static_model is not static-only', ...error },
  },
};

export async function apkRoutes(app: FastifyInstance, o: ApkRouteOptions): Promise<void> {
  // Its own scope: the APK parser and the limit apply to this route alone.
  await app.register(async (scope) => {
    scope.addContentTypeParser(APK_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: o.limitBytes }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err, req, reply) => {
      if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // The rest of an oversized upload is not worth reading: the connection closes after this answer.
        reply.header('connection', 'close');
        return errorHandler(new ScoringInputError('body', `the APK is larger than this server accepts (serve.apk_limit_bytes = ${o.limitBytes} bytes)`, 413, 'INPUT_INVALID'), req, reply);
      }
      return errorHandler(err, req, reply);
    });

    // Bodies are checked here (an APK is bytes); the schema is for the docs.
    scope.post('/v1/score/apk', { schema: apkRouteSchema, bodyLimit: o.limitBytes, validatorCompiler: () => () => true }, async (req) => {
      if (!o.holder) throw new DfpError('NOT_FOUND', 'APK scoring is off on this server: serve.static_model is none');
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw new ScoringInputError('body', `send the APK's bytes as the body, with Content-Type: ${APK_CONTENT_TYPE}`);
      const fp = await fingerprintApk({ name: 'body', bytes: body });
      if (fp.error) throw new ScoringInputError('body', `not a readable APK: ${fp.error.message.replace(/^body: /, '')}`, 422, 'INPUT_INVALID');
      // Taken after the fingerprint's awaits, so a swap meanwhile is honoured.
      const { batcher } = o.holder.serving();
      const scorer = batcher.scorer;
      if (!isStaticOnlyModel(scorer)) {
        throw new DfpError('NOT_FOUND', `model ${scorer.ref.name} v${scorer.ref.version} (serve.static_model) reads system calls, which an APK does not carry: register a static-only detector under that name (\`dfp run\` trains kronodroid_detector_static)`, { status: 503 });
      }
      const model: ApkModel = { scorer, run: (x) => batcher.submit((buf, off) => buf.set(x, off)), rescore: (x, rows) => batcher.scoreRows(x, rows) };
      const r = await scoreApk(model, fp);
      o.metrics.observeScore(scorer.ref, r.score, r.is_malware);
      return {
        score: r.score,
        is_malware: r.is_malware,
        threshold: r.threshold,
        model: r.model,
        syscalls_absent: r.syscalls_absent,
        explanation: r.explanation,
        top_features: r.top_features,
        sha256: r.sha256,
        package: r.package,
        features: fp.features,
        warnings: r.warnings,
      };
    });
  });
}
