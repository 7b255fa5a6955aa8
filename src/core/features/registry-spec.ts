/**
 * @module The shape of feature_repo/feature_store.yaml (what a person writes) and the pure helpers that
 * read it: TTL strings and `view:feature` references. Validation against the lake happens at apply time
 * in src/features/registry/.
 */
import { z } from 'zod';
import { DfpError } from '../errors.ts';
import type { FeatureRef } from './types.ts';

const NAME = /^[a-z][a-z0-9_]*$/;
const nameSchema = z.string().regex(NAME, 'lower-case letters, digits and _, starting with a letter');

/** `features: all` (every column but the key and the timestamp) or an explicit list of column names. */
export const ALL_FEATURES = 'all';

export const viewSpecSchema = z
  .object({
    name: nameSchema,
    entity: z.string().default('app'),
    source: z.string().min(1),
    timestamp_field: z.string().default('event_timestamp'),
    ttl: z.union([z.string(), z.number()]).default(0).describe('max age of a value: 30d, 12h, 90m, 45s or seconds; 0 = never expires'),
    features: z.union([z.literal(ALL_FEATURES), z.array(z.string().min(1)).min(1)]),
    exclude: z.array(z.string()).default([]).describe('columns left out of `features: all`'),
  })
  .strict();

export const registrySpecSchema = z
  .object({
    project: z.string().default('dfp'),
    entities: z
      .array(z.object({ name: nameSchema, join_key: z.string().min(1) }).strict())
      .min(1),
    feature_views: z.array(viewSpecSchema).min(1),
    feature_services: z
      .array(z.object({ name: nameSchema, features: z.array(z.string().min(1)).min(1) }).strict())
      .default([]),
  })
  .strict();

export type RegistrySpec = z.infer<typeof registrySpecSchema>;
export type ViewSpec = z.infer<typeof viewSpecSchema>;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds in a TTL such as `30d`, `12h`, `0`; throws naming `where` when it cannot be read. */
export function parseTtl(ttl: string | number, where: string): number {
  if (typeof ttl === 'number') {
    if (Number.isFinite(ttl) && ttl >= 0) return Math.floor(ttl);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/.exec(ttl);
    if (m) return Math.floor(Number(m[1]) * (UNIT_SECONDS[m[2] || 's'] ?? 1));
  }
  throw new DfpError('CONFIG_INVALID', `${where}: ttl '${String(ttl)}' is not a duration; write e.g. 30d, 12h, 90m, 45s, or 0 for no expiry`, { ttl });
}

/** `view:feature` → parts; throws USAGE naming the bad reference. */
export function parseFeatureRef(ref: string): FeatureRef {
  const i = ref.indexOf(':');
  const view = ref.slice(0, i).trim();
  const feature = ref.slice(i + 1).trim();
  if (i <= 0 || feature === '' || feature.includes(':')) {
    throw new DfpError('USAGE', `feature reference '${ref}' must be <view>:<feature>, e.g. syscalls:read`, { ref });
  }
  return { view, feature };
}

export function formatFeatureRef(ref: FeatureRef): string {
  return `${ref.view}:${ref.feature}`;
}

/** Column name of a feature in offline datasets and in Feast's full feature names. */
export function fullFeatureName(ref: FeatureRef): string {
  return `${ref.view}__${ref.feature}`;
}
