// What a transform run records in its commit's metadata (`metadata.transform`) and how the next run
// finds it: the nearest commit on the first-parent chain that carries it. The record is cumulative
// (every model the project has built), so an ingest commit in between loses nothing.
import type { Commit, VersionedLake } from '../core/lake/types.ts';

export interface TestCounts {
  passed: number;
  failed: number;
  warned: number;
}

export interface ModelState {
  materialized: 'table' | 'view';
  file: string;
  /** sha256 of the expanded SQL, materialization and key. */
  sql_hash: string;
  /** sha256 of the model's schema tests as declared. */
  tests_hash: string;
  /** Relation read → its fingerprint (lake table: content hash; view model: its fingerprint). */
  inputs: Record<string, string>;
  /** Table: content hash of the Parquet written; view: sha256 of sql_hash and inputs. */
  fingerprint: string;
  rows: number;
  tests: TestCounts;
  /** Lake commit the inputs were read from when this model was last built. */
  built_from: string;
  /** View models only: the expanded SQL, which reads lake tables by name. */
  sql?: string;
}

export interface TransformState {
  project: string;
  models: Record<string, ModelState>;
}

const MAX_WALK = 10_000;

function stateOf(commit: Commit): TransformState | undefined {
  const t = commit.metadata.transform as TransformState | undefined;
  return t && typeof t === 'object' && t.models && typeof t.models === 'object' ? t : undefined;
}

/** The transform record in effect at `commit`, or undefined when no transform has run on its history. */
export async function previousState(lake: VersionedLake, commit: Commit): Promise<TransformState | undefined> {
  let c: Commit | undefined = commit;
  for (let i = 0; c && i < MAX_WALK; i++) {
    const s = stateOf(c);
    if (s) return s;
    const parent: string | undefined = c.parents[0];
    c = parent === undefined ? undefined : await lake.resolve(parent);
  }
  return undefined;
}
