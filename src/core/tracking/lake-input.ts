/** @module Turns a lake commit + table into a run's dataset input, so a model traces back to the exact data. */
import { DfpError } from '../errors.ts';
import type { Commit } from '../lake/types.ts';
import type { DatasetInput } from './types.ts';

export function lakeDatasetInput(commit: Commit, table: string, opts: { lake?: string; context?: string; name?: string } = {}): DatasetInput {
  const entry = commit.tables[table];
  if (!entry) throw new DfpError('NOT_FOUND', `lake commit ${commit.id.slice(0, 12)} has no table '${table}' (tables: ${Object.keys(commit.tables).join(', ') || 'none'})`);
  return {
    name: opts.name ?? table,
    digest: entry.content_hash,
    commit: commit.id,
    table,
    rows: entry.rows,
    ...(opts.lake ? { lake: opts.lake } : {}),
    ...(opts.context ? { context: opts.context } : {}),
  };
}
