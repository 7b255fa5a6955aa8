// Validates a Feast `POST /get-online-features` body. Every problem is a 400 that names the field, so a
// client can fix its request without reading our source.
import { DfpError } from '../../core/errors.ts';
import { appIdProblem, normalizeAppId } from '../../core/kronodroid/app-id.ts';
import { KEY_COLUMN } from '../../core/kronodroid/schema.ts';

export interface GetOnlineFeaturesBody {
  features?: string[];
  feature_service?: string;
  entities: Record<string, string[]>;
  full_feature_names: boolean;
}

export class BadRequest extends DfpError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INPUT_INVALID', `${field}: ${message}`, { field });
  }
}

/** Most entities one request may ask for; larger batches belong to the offline store. */
export const MAX_ENTITIES = 10_000;

export function parseBody(body: unknown, joinKey: string): GetOnlineFeaturesBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  const known = new Set(['features', 'feature_service', 'entities', 'full_feature_names']);
  const extra = Object.keys(b).find((k) => !known.has(k));
  if (extra) throw new BadRequest(extra, `unknown field; expected features or feature_service, entities, full_feature_names`);

  let features: string[] | undefined;
  let featureService: string | undefined;
  if (b.features !== undefined && b.feature_service !== undefined) throw new BadRequest('features', 'give either features or feature_service, not both');
  if (b.features !== undefined) {
    if (!Array.isArray(b.features) || b.features.length === 0) throw new BadRequest('features', 'expected a non-empty array of "view:feature" strings');
    features = b.features.map((f, i) => {
      if (typeof f !== 'string' || !/^[^:]+:[^:]+$/.test(f)) throw new BadRequest(`features[${i}]`, `expected "view:feature", got ${JSON.stringify(f)}`);
      return f;
    });
  } else if (b.feature_service !== undefined) {
    if (typeof b.feature_service !== 'string' || b.feature_service === '') throw new BadRequest('feature_service', 'expected a feature service name');
    featureService = b.feature_service;
  } else throw new BadRequest('features', 'missing: give features (["view:feature", …]) or feature_service');

  if (b.entities === null || typeof b.entities !== 'object' || Array.isArray(b.entities)) {
    throw new BadRequest('entities', `expected an object like {"${joinKey}": ["…"]}`);
  }
  const ent = b.entities as Record<string, unknown>;
  const other = Object.keys(ent).find((k) => k !== joinKey);
  if (other) throw new BadRequest(`entities.${other}`, `unknown entity key; the only join key is ${joinKey}`);
  const keys = ent[joinKey];
  if (!Array.isArray(keys) || keys.length === 0) throw new BadRequest(`entities.${joinKey}`, 'expected a non-empty array of strings');
  if (keys.length > MAX_ENTITIES) throw new BadRequest(`entities.${joinKey}`, `at most ${MAX_ENTITIES} entities per request, got ${keys.length}`);
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || k === '') throw new BadRequest(`entities.${joinKey}[${i}]`, `expected a non-empty string, got ${JSON.stringify(k)}`);
    // Apps are keyed by sha256: a malformed one is the client's mistake, not an app that is NOT_FOUND.
    const problem = joinKey === KEY_COLUMN ? appIdProblem(k) : undefined;
    if (problem) throw new BadRequest(`entities.${joinKey}[${i}]`, problem);
  });

  if (b.full_feature_names !== undefined && typeof b.full_feature_names !== 'boolean') throw new BadRequest('full_feature_names', 'expected true or false');
  return {
    ...(features ? { features } : {}),
    ...(featureService ? { feature_service: featureService } : {}),
    entities: { [joinKey]: joinKey === KEY_COLUMN ? (keys as string[]).map(normalizeAppId) : (keys as string[]) },
    full_feature_names: b.full_feature_names === true,
  };
}
