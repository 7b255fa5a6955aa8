// Test support: a temporary workspace with a real lake holding small feature tables whose values change
// over time, and a registry file for them. Tests never depend on the SQL models' real output.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/load.ts';
import type { DfpConfig } from '../../core/config/schema.ts';
import type { AppliedRegistry } from '../../core/features/types.ts';
import { type DuckDBConnection, literal, openDuckDb, queryRows } from '../../engine/duckdb/connection.ts';
import { openLake } from '../../lake/open.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { applyRegistry } from '../registry/apply.ts';

/** 64-hex app ids that read well in failures: A…, B…, C… */
export const SHA = { a: 'a'.repeat(64), b: 'b'.repeat(64), c: 'c'.repeat(64), d: 'd'.repeat(64) };

/**
 * syscalls (ttl 40d): app a changes on Jan 1, Feb 1 and Mar 1 2024; b has one row on Jan 15.
 * permissions (no ttl): a on Jan 10. Extra columns test `features: all` (Package text, Malware label).
 */
export const SYSCALL_ROWS_SQL = `SELECT * FROM (VALUES
  ('${SHA.a}', TIMESTAMP '2024-01-01 00:00:00', 1::BIGINT, 10::BIGINT, 0.5::DOUBLE, 'app.a', 1),
  ('${SHA.a}', TIMESTAMP '2024-02-01 00:00:00', 2::BIGINT, 20::BIGINT, NULL::DOUBLE, 'app.a', 1),
  ('${SHA.a}', TIMESTAMP '2024-03-01 00:00:00', 3::BIGINT, 30::BIGINT, 1.5::DOUBLE, 'app.a', 1),
  ('${SHA.b}', TIMESTAMP '2024-01-15 00:00:00', 100::BIGINT, 200::BIGINT, 2.5::DOUBLE, 'app.b', 0)
) t(sha256, event_timestamp, "read", "write", read_ratio, Package, Malware)`;

export const PERMISSION_ROWS_SQL = `SELECT * FROM (VALUES
  ('${SHA.a}', TIMESTAMP '2024-01-10 00:00:00', 1::INTEGER, 0::INTEGER)
) t(sha256, event_timestamp, INTERNET, REBOOT_PERMISSION)`;

export const REGISTRY_YAML = `project: dfp
entities:
  - name: app
    join_key: sha256
feature_views:
  - name: syscalls
    source: syscall_features
    ttl: 40d
    features: all
  - name: permissions
    source: permission_features
    ttl: 0
    features: [INTERNET, REBOOT_PERMISSION]
feature_services:
  - name: detector
    features: [syscalls, "permissions:INTERNET"]
`;

export class FeatureFixture {
  readonly dir = mkdtempSync(join(tmpdir(), 'dfp-features-'));
  readonly config: DfpConfig;
  readonly registryFile: string;
  private conn: Promise<DuckDBConnection> | undefined;
  private lakePromise: Promise<ObjectLake> | undefined;
  private n = 0;

  constructor(overrides: string[] = []) {
    this.registryFile = join(this.dir, 'feature_store.yaml');
    writeFileSync(this.registryFile, REGISTRY_YAML);
    this.config = loadConfig({ env: { DFP_HOME: join(this.dir, 'ws') }, overrides: [`store.registry=${this.registryFile}`, ...overrides] }).config;
  }

  lake(): Promise<ObjectLake> {
    this.lakePromise ??= openLake(this.config);
    return this.lakePromise;
  }

  /** Writes each query's rows as a Parquet file and commits them as lake tables in one commit. */
  async commitTables(tables: Record<string, string>, message = 'fixture'): Promise<string> {
    this.conn ??= openDuckDb();
    const conn = await this.conn;
    const writes: Record<string, { file: string; key: string }> = {};
    for (const [name, sql] of Object.entries(tables)) {
      const file = join(this.dir, `${name}-${this.n++}.parquet`);
      await conn.run(`COPY (${sql}) TO ${literal(file)} (FORMAT parquet)`);
      writes[name] = { file, key: 'sha256' };
    }
    const commit = await (await this.lake()).commit({ branch: 'main', message, tables: writes });
    return commit.id;
  }

  async seed(): Promise<void> {
    await this.commitTables({ syscall_features: SYSCALL_ROWS_SQL, permission_features: PERMISSION_ROWS_SQL });
  }

  async apply(registryYaml?: string): Promise<AppliedRegistry> {
    if (registryYaml !== undefined) writeFileSync(this.registryFile, registryYaml);
    const r = await applyRegistry({ lake: await this.lake(), workspace: this.config.workspace, file: this.registryFile, ref: 'main' });
    return r.applied;
  }

  /** A file in the fixture's directory, written from a query (CSV or Parquet by extension). */
  async file(name: string, sql: string): Promise<string> {
    this.conn ??= openDuckDb();
    const path = join(this.dir, name);
    await (await this.conn).run(`COPY (${sql}) TO ${literal(path)} (FORMAT ${name.endsWith('.csv') ? 'csv, HEADER true' : 'parquet'})`);
    return path;
  }

  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    this.conn ??= openDuckDb();
    return queryRows<T>(await this.conn, sql);
  }

  async close(): Promise<void> {
    if (this.lakePromise) await (await this.lakePromise).close();
    if (this.conn) (await this.conn).closeSync();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
