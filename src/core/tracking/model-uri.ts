/**
 * @module Model URIs, parsed and resolved the same way on every backend: runs:/<run_id>/<path>,
 * models:/<name>/<version>, models:/<name>@<alias>, models:/<name>/<Stage> and models:/<name>/latest.
 * Parsing is pure; resolution asks the registry through the interface only.
 */
import { DfpError } from '../errors.ts';
import { type ModelRegistry, type ModelVersion, STAGES, type Stage } from './types.ts';

export type ModelUri =
  | { kind: 'run'; runId: string; path: string }
  | { kind: 'version'; name: string; version: string }
  | { kind: 'alias'; name: string; alias: string }
  | { kind: 'stage'; name: string; stage: Stage }
  | { kind: 'latest'; name: string };

const EXAMPLES = 'runs:/<run_id>/model, models:/<name>/3, models:/<name>@production, models:/<name>/Production';

export function parseModelUri(uri: string): ModelUri {
  const run = /^runs:\/+([^/]+)\/(.+)$/.exec(uri);
  if (run) return { kind: 'run', runId: run[1]!, path: run[2]!.replace(/\/+$/, '') };
  const m = /^models:\/+(.+)$/.exec(uri);
  if (!m) throw new DfpError('USAGE', `'${uri}' is not a model URI; expected one of ${EXAMPLES}`);
  const rest = m[1]!;
  const at = rest.lastIndexOf('@');
  if (at > 0 && !rest.slice(at).includes('/')) return { kind: 'alias', name: rest.slice(0, at), alias: rest.slice(at + 1) };
  const slash = rest.lastIndexOf('/');
  if (slash <= 0) throw new DfpError('USAGE', `'${uri}' names no version, alias or stage; expected one of ${EXAMPLES}`);
  const name = rest.slice(0, slash);
  const ref = rest.slice(slash + 1);
  if (/^\d+$/.test(ref)) return { kind: 'version', name, version: ref };
  if (ref.toLowerCase() === 'latest') return { kind: 'latest', name };
  const stage = STAGES.find((s) => s.toLowerCase() === ref.toLowerCase());
  if (stage) return { kind: 'stage', name, stage };
  throw new DfpError('USAGE', `'${uri}': '${ref}' is not a version number, 'latest' or a stage (${STAGES.join(', ')})`);
}

export function formatModelUri(u: ModelUri): string {
  if (u.kind === 'run') return `runs:/${u.runId}/${u.path}`;
  if (u.kind === 'version') return `models:/${u.name}/${u.version}`;
  if (u.kind === 'alias') return `models:/${u.name}@${u.alias}`;
  if (u.kind === 'stage') return `models:/${u.name}/${u.stage}`;
  return `models:/${u.name}/latest`;
}

/** Where a model URI points: a run and a path inside its artifacts, plus the version when it came from the registry. */
export interface ResolvedModel {
  runId: string;
  artifactPath: string;
  version?: ModelVersion;
}

/** The path of `source` under a run's artifact root, or null when it is elsewhere. */
export function relativeToRun(source: string, runArtifactUri: string): string | null {
  const root = runArtifactUri.replace(/\/+$/, '');
  if (source === root) return '';
  return source.startsWith(`${root}/`) ? source.slice(root.length + 1) : null;
}

/** Picks the newest version in a stage (MLflow's rule for models:/<name>/<Stage>). */
export function newestInStage(versions: readonly ModelVersion[], stage: Stage): ModelVersion | undefined {
  return versions.filter((v) => v.stage === stage).sort((a, b) => Number(b.version) - Number(a.version))[0];
}

export async function resolveModelVersion(registry: ModelRegistry, uri: ModelUri): Promise<ModelVersion> {
  if (uri.kind === 'run') throw new DfpError('USAGE', `${formatModelUri(uri)} is a run URI, not a registered model`);
  if (uri.kind === 'version') return registry.getModelVersion(uri.name, uri.version);
  if (uri.kind === 'alias') {
    const v = await registry.getVersionByAlias(uri.name, uri.alias);
    if (!v) throw new DfpError('NOT_FOUND', `model '${uri.name}' has no alias '${uri.alias}'; set one with \`dfp models promote ${uri.name} <version> --alias ${uri.alias}\``);
    return v;
  }
  const versions = await registry.listModelVersions(uri.name);
  const v = uri.kind === 'latest' ? versions.sort((a, b) => Number(b.version) - Number(a.version))[0] : newestInStage(versions, uri.stage);
  if (!v) throw new DfpError('NOT_FOUND', `model '${uri.name}' has no version${uri.kind === 'stage' ? ` in stage ${uri.stage}` : ''}`);
  return v;
}

/**
 * Resolves any model URI to a run and artifact path. `runArtifactUri` returns a run's artifact root so
 * a version's source can be turned back into a path inside the run.
 */
export async function resolveModelUri(registry: ModelRegistry, runArtifactUri: (runId: string) => Promise<string>, uri: string): Promise<ResolvedModel> {
  const parsed = parseModelUri(uri);
  if (parsed.kind === 'run') return { runId: parsed.runId, artifactPath: parsed.path };
  const version = await resolveModelVersion(registry, parsed);
  if (!version.runId) throw new DfpError('NOT_FOUND', `${uri} → version ${version.version} has no source run (source ${version.source})`);
  const runsUri = /^runs:\/+([^/]+)\/(.+)$/.exec(version.source);
  if (runsUri) return { runId: runsUri[1]!, artifactPath: runsUri[2]!, version };
  const path = relativeToRun(version.source, await runArtifactUri(version.runId));
  if (path === null) throw new DfpError('NOT_FOUND', `${uri} → version ${version.version}: source ${version.source} is outside run ${version.runId}'s artifacts`);
  return { runId: version.runId, artifactPath: path, version };
}
