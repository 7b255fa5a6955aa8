// JSON schemas of the API for the OpenAPI document (/docs/json) and fast response serialisation.
// Request bodies are validated by the hand-rolled FeatureValidator, not by these schemas (see README: it is faster).
import { FEATURE_COLUMNS, OPTIONAL_STATIC_COLUMNS } from '../core/kronodroid/schema.ts';

const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;

export const appFeaturesSchema = {
  $id: 'AppFeatures',
  type: 'object',
  description:
    'One app: every KronoDroid feature (raw counts, FEATURE_COLUMNS) by name. All are required except FilesInsideAPK (absent or null: the model fills it). ' +
    'The permission REBOOT may be sent as REBOOT or REBOOT_PERMISSION. Optional sha256 is echoed back. Or send only {"sha256": …} to score the features the online store holds.',
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    ...Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, OPTIONAL_STATIC_COLUMNS.includes(c) ? { ...count, nullable: true } : count])),
  },
  additionalProperties: false,
} as const;

const modelRef = {
  type: 'object',
  properties: { name: { type: 'string' }, version: { type: 'string' } },
  required: ['name', 'version'],
} as const;

export const scoreResultSchema = {
  $id: 'ScoreResult',
  type: 'object',
  properties: {
    score: { type: 'number', description: 'higher = more likely malware' },
    is_malware: { type: 'boolean', description: 'score > threshold' },
    threshold: { type: 'number' },
    model: modelRef,
    top_features: {
      type: 'array',
      description: 'autoencoder: features with the largest |z| of reconstruction error against benign validation rows; empty for classifiers',
      items: { type: 'object', properties: { name: { type: 'string' }, z: { type: 'number' } }, required: ['name', 'z'] },
    },
    sha256: { type: 'string' },
    imputed_features: { type: 'integer', description: 'lookups: features the online store lacked, filled by the model' },
  },
  required: ['score', 'is_malware', 'threshold', 'model', 'top_features'],
} as const;

export const errorSchema = {
  $id: 'Error',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

const errors = Object.fromEntries(
  [
    ['400', 'bad input; error.field names what to fix'],
    ['404', 'unknown sha256'],
    ['413', 'body or batch too large'],
    ['415', 'unsupported content type'],
    ['503', 'no model loaded yet'],
  ].map(([code, description]) => [code, { description, $ref: 'Error#' }]),
);

export const scoreRouteSchema = {
  summary: 'Score one app',
  tags: ['scoring'],
  body: { $ref: 'AppFeatures#' },
  response: { 200: { $ref: 'ScoreResult#' }, ...errors },
};

export const batchRouteSchema = {
  summary: 'Score many apps: a JSON array, or NDJSON (Content-Type: application/x-ndjson), of AppFeatures',
  tags: ['scoring'],
  body: { type: 'array', items: { $ref: 'AppFeatures#' } },
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
