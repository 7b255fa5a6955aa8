// `dfp features apply`: read the registry file, validate and freeze it against the lake at a ref, and
// record it in the workspace under its content-hash version.
import type { AppliedRegistry } from '../../core/features/types.ts';
import type { VersionedLake } from '../../core/lake/types.ts';
import { freezeRegistry } from './freeze.ts';
import { readRegistrySpec } from './load.ts';
import { RegistryStore } from './store.ts';

export interface ApplyResult {
  applied: AppliedRegistry;
  /** True when the workspace's current version was already this one. */
  unchanged: boolean;
  file: string;
  skipped: Record<string, string[]>;
}

export async function applyRegistry(opts: { lake: VersionedLake; workspace: string; file: string; ref: string }): Promise<ApplyResult> {
  const spec = readRegistrySpec(opts.file);
  const commit = await opts.lake.resolve(opts.ref);
  const { registry, skipped } = freezeRegistry(spec, commit, opts.ref);
  const { applied, unchanged } = new RegistryStore(opts.workspace).save(registry, { ref: opts.ref, commit: commit.id });
  return { applied, unchanged, file: opts.file, skipped };
}
