/**
 * @module The feature store as the rest of dfp sees it: feature views frozen from the registry, the
 * online store contract (write a batch, read by entity, like Feast's OnlineStore) and the statuses an
 * online read reports. Pure types: adapters (SQLite, Redis, DuckDB) live in src/features/.
 */

/** The one entity of dfp: an app, keyed by the sha256 of its APK. */
export const ENTITY_NAME = 'app';
export const ENTITY_KEY = 'sha256';

/** Per value, as Feast reports it. NULL_VALUE: the entity is there but this feature is null. */
export type FeatureStatus = 'PRESENT' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE' | 'NULL_VALUE';

export interface FeatureDef {
  name: string;
  /** SQL type in the source table when the registry was applied (numeric). */
  type: string;
}

/** A feature view after `dfp features apply`: the feature list is explicit and frozen. */
export interface FeatureViewDef {
  name: string;
  entity: string;
  /** Lake table the values come from. */
  source: string;
  timestamp_field: string;
  /** Max age of a value in seconds; 0 means values never expire. */
  ttl_seconds: number;
  features: FeatureDef[];
}

export interface FeatureServiceDef {
  name: string;
  /** `view:feature` references, expanded at apply time. */
  features: string[];
}

/** The content that is hashed into the registry version: equal definitions ⇒ equal version. */
export interface FrozenRegistry {
  project: string;
  entity: { name: string; join_key: string };
  views: FeatureViewDef[];
  feature_services: FeatureServiceDef[];
}

/** What the workspace keeps for each applied version. */
export interface AppliedRegistry {
  /** sha256 of the canonical JSON of `registry`. A trained model names this. */
  version: string;
  registry: FrozenRegistry;
  applied_at: string;
  /** Lake ref and commit the registry was validated against (not part of the version). */
  lake_ref: string;
  lake_commit: string;
}

/** A feature chosen for retrieval. */
export interface FeatureRef {
  view: string;
  feature: string;
}

/** Rows for one view, all with the same feature layout; values[i][j] is entity i, feature j. */
export interface OnlineWriteBatch {
  features: readonly string[];
  entities: readonly string[];
  /** Event time of each row, epoch milliseconds. */
  eventTimestamps: readonly number[];
  values: readonly (readonly (number | null)[])[];
}

/** Raw online values; values[i] is null when entity i has no row, otherwise aligned with `features`. */
export interface OnlineReadResult {
  eventTimestamps: (number | null)[];
  values: ((number | null)[] | null)[];
}

/**
 * An online store keeps the latest value of each feature per entity and view. Implementations: an
 * embedded SQLite file (default) and Redis. `meta` is a small key/value space the materializer uses to
 * remember what it wrote; it lives in the store so a flushed store is noticed.
 */
export interface OnlineStore {
  readonly kind: 'embedded' | 'redis';
  /** Where the data lives, for messages and state keys (a file path, a redis URL + prefix). */
  readonly location: string;
  write(view: string, batch: OnlineWriteBatch): Promise<void>;
  read(view: string, entities: readonly string[], features: readonly string[]): Promise<OnlineReadResult>;
  /** Removes every entity of the view; returns how many were removed. */
  clearView(view: string): Promise<number>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/** What `materialize` remembers per view and store. */
export interface MaterializationState {
  view: string;
  registry_version: string;
  /** Hash of the view's feature list: a different list means a full rewrite. */
  layout_hash: string;
  lake_commit: string;
  table_content_hash: string;
  /** Largest event timestamp written so far (ISO-8601), or null before the first write. */
  watermark: string | null;
  /** Window of the last run. */
  start: string | null;
  end: string;
  /** Content-addressed snapshot of (sha256, event time, row hash) for change detection. */
  snapshot: string | null;
  entities: number;
  materialized_at: string;
}
