// JSON schemas of the API for the OpenAPI document (/docs/json) and fast response serialisation.
// Request bodies are validated by the hand-rolled FeatureValidator, not by these schemas (see README: it is faster).
import { FEATURE_COLUMNS, LABEL_COLUMN, OPTIONAL_STATIC_COLUMNS, PASSTHROUGH_COLUMNS } from '../core/kronodroid/schema.ts';

const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

/** Label, dates, package, family: optional in a request, echoed back in its result, never scored. */
const passthroughProperties = Object.fromEntries(
  PASSTHROUGH_COLUMNS.map((c) => [
    c,
    c === LABEL_COLUMN
      ? { type: 'integer', enum: [0, 1], nullable: true, description: 'the known label (1 = malware), if any: echoed back, never scored' }
      : c === 'Year'
        ? { type: 'integer', nullable: true, description: 'echoed back, never scored' }
        : { type: 'string', nullable: true, description: 'echoed back, never scored' },
  ]),
);

const topFeatures = {
  type: 'array',
  description: 'autoencoder: features with the largest |z| of reconstruction error against benign validation rows; empty for classifiers',
  items: { type: 'object', properties: { name: { type: 'string' }, z: { type: 'number' } }, required: ['name', 'z'] },
} as const;

export const appFeaturesSchema = {
  $id: 'AppFeatures',
  type: 'object',
  description:
    'One app: every KronoDroid feature (raw counts, FEATURE_COLUMNS) by name; no label needed. All are required except FilesInsideAPK (absent or null: the model fills it); ' +
    'a missing one is a 400 whose error.fields lists them all and whose message names the model that needs them. ' +
    'The permission REBOOT may be sent as REBOOT or REBOOT_PERMISSION. Optional sha256 is echoed back; so are the optional label, dates, package and family ' +
    '(AppPassthrough), which are never scored; any other key is a 400. Or send only {"sha256": …} to score the features the online store holds.',
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    ...Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, OPTIONAL_STATIC_COLUMNS.includes(c) ? { ...count, nullable: true } : count])),
  },
} as const;

/** The optional keys of a request besides sha256 and the features; any key in neither schema is a 400. */
export const appPassthroughSchema = {
  $id: 'AppPassthrough',
  type: 'object',
  description: `Optional label, dates, package and family of an app (${PASSTHROUGH_COLUMNS.join(', ')}): never needed, never scored, echoed back in its result.`,
  properties: passthroughProperties,
} as const;

/** A request body: AppFeatures and AppPassthrough keys, nothing else. */
const appRequest = { allOf: [{ $ref: 'AppFeatures#' }, { $ref: 'AppPassthrough#' }] } as const;

const modelRef = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' } },
  required: ['name', 'version'],
} as const;

export const scoreResultSchema = {
  $id: 'ScoreResult',
  type: 'object',
  description: 'The verdict of the primary model (serve.model, the detector by default), or of the model ?model= names.',
  properties: {
    score: { type: 'number', description: 'higher = more likely malware' },
    is_malware: { type: 'boolean', description: 'score > threshold' },
    threshold: { type: 'number' },
    model: modelRef,
    top_features: topFeatures,
    sha256: { type: 'string' },
    imputed_features: { type: 'integer', description: 'lookups: features the online store lacked, filled by the model' },
    fingerprint: {
      type: 'object',
      description:
        'the fingerprint model (serve.fingerprint_model, the autoencoder by default) on the same app, when the server has it loaded and no ?model= was given: ' +
        'how far the app is from the benign apps it learnt, and which features stand out',
      properties: {
        score: { type: 'number', description: 'anomaly score (reconstruction loss); higher = less like the benign apps' },
        is_anomalous: { type: 'boolean', description: 'score > threshold' },
        threshold: { type: 'number' },
        model: modelRef,
        top_features: topFeatures,
      },
      required: ['score', 'is_anomalous', 'threshold', 'model', 'top_features'],
    },
    ...passthroughProperties,
  },
  required: ['score', 'is_malware', 'threshold', 'model', 'top_features'],
} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        field: { type: 'string' },
        fields: { type: 'array', items: { type: 'string' }, description: 'every field at fault when there are several, e.g. all missing features' },
      },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const errors = Object.fromEntries(
  [
    ['400', 'bad input; error.field names what to fix'],
    ['404', 'unknown sha256, or a ?model= this server does not serve'],
    ['413', 'body or batch too large'],
    ['415', 'unsupported content type'],
    ['503', 'the model asked for (the primary by default) is not loaded yet'],
  ].map(([code, description]) => [code, { description, $ref: 'Error#' }]),
);

/** `?model=`: one served model alone instead of the primary with the fingerprint model beside it. */
const modelQuery = {
  type: 'object',
  properties: {
    model: { type: 'string', description: 'name of one served model (GET /v1/models lists them) to score with alone; default: the primary model, with the fingerprint model beside it' },
  },
} as const;

export const scoreRouteSchema = {
  summary: 'Score one app: the primary model\'s verdict, with the fingerprint model\'s anomaly score beside it',
  tags: ['scoring'],
  querystring: modelQuery,
  body: appRequest,
  response: { 200: { $ref: 'ScoreResult#' }, ...errors },
};

export const batchRouteSchema = {
  summary: 'Score many apps, labelled or not: a JSON array, or NDJSON (Content-Type: application/x-ndjson), of AppFeatures; results in the same order',
  tags: ['scoring'],
  querystring: modelQuery,
  body: { type: 'array', items: appRequest },
  response: {
    200: { type: 'object', properties: { results: { type: 'array', items: { $ref: 'ScoreResult#' } } }, required: ['results'] },
    ...errors,
  },
};

export const promoteBodySchema = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' }, alias: { type: 'string' } },
  required: ['name', 'version', 'alias'],
} as const;
