// The data steps of `dfp run`: ingest the source, build the SQL models, apply and materialize the feature registry.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DfpError } from '../../core/errors.ts';
import { engineOptions } from '../../engine/duckdb/connection.ts';
import { materialize } from '../../features/materialize/materialize.ts';
import { openOnlineStore } from '../../features/online/open.ts';
import { applyRegistry } from '../../features/registry/apply.ts';
import { registryFile } from '../../features/registry/load.ts';
import { RegistryStore } from '../../features/registry/store.ts';
import { SCHEMA_HASH, runIngest } from '../../ingest/ingest.ts';
import { sha256File } from '../../ingest/download.ts';
import { resolveSource, withOfflineHint } from '../../ingest/source.ts';
import { DEFAULT_PROJECT, ingestHint, sourceTablesFor } from '../../transform/defaults.ts';
import { runTransform } from '../../transform/run.ts';
import type { PipelineEnv } from '../env.ts';
import { hashFile, hashTree, stepKey } from '../hash.ts';
import type { StepSpec } from '../runner.ts';

const DATA_FILE = /\.(csv|csv\.gz|gz|zip|parquet)$/i;

/** sha256 of the source's bytes: local files are hashed in place; remote sources go through the download cache. */
export async function sourceHashes(env: PipelineEnv, source: string): Promise<string[]> {
  const local = resolve(source);
  if (!/^[a-z][a-z0-9+.-]*:/i.test(source) && existsSync(local)) {
    const files = statSync(local).isDirectory()
      ? readdirSync(local).filter((n) => DATA_FILE.test(n) && !n.startsWith('.')).sort().map((n) => join(local, n))
      : [local];
    return Promise.all(files.map(async (f) => `${f.slice(local.length)}:${(await sha256File(f)).sha256}`));
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(source)) throw new DfpError('NOT_FOUND', `--source '${source}': no such file or folder (${local})`, { source });
  const scratch = mkdtempSync(join(env.config.workspace, 'tmp-source-'));
  try {
    const r = await resolveSource(source, { config: env.config, workDir: scratch, progress: env.progress });
    return r.sources.map((s) => `${s.uri}:${s.sha256}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export type IngestOut = { commit: string; tables: Record<string, { content_hash: string; rows: number }>; input_rows: number; loaded_rows: number; quarantined_rows: number; quarantine: string };

export async function ingestStep(env: PipelineEnv, source: string): Promise<StepSpec<IngestOut>> {
  // Remote sources are fetched while hashing (the download cache), so an offline machine fails here.
  const hashes = await sourceHashes(env, source).catch((e: unknown) => {
    throw withOfflineHint(e, source);
  });
  return {
    key: stepKey({ step: 'ingest', sources: hashes, schema: SCHEMA_HASH, branch: env.branch, lake: env.lake.location }),
    // The tables it loaded must still hold the same content at the branch head.
    valid: async (o) => {
      const head = await env.lake.resolve(env.branch);
      return Object.entries(o.tables).every(([t, v]) => head.tables[t]?.content_hash === v.content_hash);
    },
    run: async () => {
      const r = await runIngest({ source, branch: env.branch, config: env.config, lake: env.lake, progress: env.progress, message: `dfp run: ingest ${source}` });
      const head = await env.lake.resolve(r.commit);
      const tables = Object.fromEntries(Object.entries(r.tables).map(([t, v]) => [t, { content_hash: head.tables[t]?.content_hash ?? '', rows: v.rows }]));
      return { commit: r.commit, tables, input_rows: r.input_rows, loaded_rows: r.loaded_rows, quarantined_rows: r.quarantined_rows, quarantine: r.quarantine };
    },
  };
}

export type TransformOut = { commit: string; tables: Record<string, string>; rows: Record<string, number> };

export async function transformStep(env: PipelineEnv, ingest: IngestOut): Promise<StepSpec<TransformOut>> {
  // The transform reads data.table, which this run's ingest may not have written (another capture, an
  // earlier `dfp ingest`): its name and content at the branch head are part of the key.
  const table = env.config.data.table;
  const head = await env.lake.resolve(env.branch);
  return {
    key: stepKey({ step: 'transform', inputs: ingest.tables, raw: { table, content_hash: head.tables[table]?.content_hash ?? null }, project: hashTree(DEFAULT_PROJECT), branch: env.branch }),
    valid: async (o) => {
      // Train reads at the recorded commit, so that commit must still resolve.
      const c = await env.lake.resolve(o.commit).catch(() => null);
      return c !== null && Object.entries(o.tables).every(([t, h]) => c.tables[t]?.content_hash === h);
    },
    run: async () => {
      const r = await runTransform({
        lake: env.lake,
        project: DEFAULT_PROJECT,
        branch: env.branch,
        engine: engineOptions(env.config),
        workDir: join(env.config.workspace, 'tmp'),
        progress: env.progress,
        sourceTables: sourceTablesFor(env.config),
        loadHint: ingestHint(table),
      });
      const head = await env.lake.resolve(r.commit);
      const tables: Record<string, string> = {};
      const rows: Record<string, number> = {};
      for (const [name, m] of Object.entries(r.models)) {
        if (m.materialized !== 'table') continue;
        tables[name] = head.tables[name]?.content_hash ?? '';
        rows[name] = m.rows;
      }
      return { commit: r.commit, tables, rows };
    },
  };
}

export type FeaturesOut = { version: string; views: Record<string, { written: number; skipped: number }> };

export function featuresStep(env: PipelineEnv, dataCommit: string): StepSpec<FeaturesOut> {
  const file = registryFile(env.config);
  if (!existsSync(file)) throw new DfpError('NOT_FOUND', `feature registry ${file} does not exist; set store.registry to a feature_store.yaml`, { key: 'store.registry' });
  const store = env.config.store;
  return {
    key: stepKey({ step: 'features', data_commit: dataCommit, registry: hashFile(file), online: { kind: store.online, path: store.embedded_path, redis: store.redis_url, prefix: store.redis_key_prefix } }),
    valid: (o) => new RegistryStore(env.config.workspace).currentVersion() === o.version,
    run: async () => {
      const { applied } = await applyRegistry({ lake: env.lake, workspace: env.config.workspace, file, ref: dataCommit });
      const online = await openOnlineStore(env.config);
      try {
        const reports = await materialize({ lake: env.lake, ref: dataCommit, store: online, applied, workspace: env.config.workspace, engine: engineOptions(env.config) });
        return { version: applied.version, views: Object.fromEntries(reports.map((r) => [r.view, { written: r.written, skipped: r.skipped }])) };
      } finally {
        await online.close();
      }
    },
  };
}
