// Benchmark of online feature reads on Redis: materialize the syscalls view (every system-call column)
// for synthetic apps into a real redis-server, then time dfp's online store read beside a raw ioredis
// HMGET pipeline for the same keys, alternating in one process. Target: dfp p99 ≤ 1.5× raw.
// Run: node --import tsx bench/features/run.ts [--entities 10000] [--iterations 1000]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/core/config/load.ts';
import { SYSCALL_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import { ident, literal, openDuckDb } from '../../src/engine/duckdb/connection.ts';
import { materialize } from '../../src/features/materialize/materialize.ts';
import { RedisOnlineStore, TS_FIELD } from '../../src/features/online/redis/redis-store.ts';
import { OnlineFeatureService } from '../../src/features/online/service.ts';
import { applyRegistry } from '../../src/features/registry/apply.ts';
import { openLake } from '../../src/lake/open.ts';
import { redisServerMissing, startRedis } from '../../src/features/testing/redis-server.ts';
import { markdownTable, writeSection } from '../lib/results.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ENTITIES = arg('entities', 10_000);
const ITERATIONS = arg('iterations', 500);
const WARMUP = 200;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function main(): Promise<void> {
  const missing = redisServerMissing();
  if (missing) {
    console.error(`skipped: ${missing}`);
    process.exit(0);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dfp-bench-features-'));
  const server = await startRedis();
  try {
    const config = loadConfig({ env: { DFP_HOME: join(dir, 'ws') } }).config;
    const lake = await openLake(config);
    const duck = await openDuckDb();
    // Synthetic syscall counts: sparse-ish small integers, one row per app.
    const cols = SYSCALL_COLUMNS.map((c, j) => `(CASE WHEN hash(i, ${j}) % 3 = 0 THEN 0 ELSE hash(i, ${j}) % 5000 END)::BIGINT AS ${ident(c)}`).join(', ');
    const file = join(dir, 'syscall_features.parquet');
    await duck.run(
      `COPY (SELECT sha256(i::VARCHAR) AS sha256, TIMESTAMP '2024-01-01' + to_minutes(i % 10000) AS event_timestamp, ${cols}
             FROM range(${ENTITIES}) r(i)) TO ${literal(file)} (FORMAT parquet)`,
    );
    duck.closeSync();
    await lake.commit({ branch: 'main', message: 'bench', tables: { syscall_features: { file, key: 'sha256' } } });
    const registry = join(dir, 'feature_store.yaml');
    writeFileSync(registry, 'entities: [{name: app, join_key: sha256}]\nfeature_views:\n  - name: syscalls\n    source: syscall_features\n    ttl: 0\n    features: all\n');
    const { applied } = await applyRegistry({ lake, workspace: config.workspace, file: registry, ref: 'main' });
    const features = applied.registry.views[0]!.features.map((f) => f.name);

    const store = await RedisOnlineStore.connect({ url: server.url, prefix: 'dfp' });
    let t0 = performance.now();
    const [report] = await materialize({ lake, ref: 'main', store, applied, workspace: config.workspace });
    const materializeMs = performance.now() - t0;
    t0 = performance.now();
    const [again] = await materialize({ lake, ref: 'main', store, applied, workspace: config.workspace });
    const rematerializeMs = performance.now() - t0;
    await lake.close();

    const raw = new Redis(server.url);
    const fields = [...features, TS_FIELD];
    const service = new OnlineFeatureService(store, applied);
    const selection = service.select({ views: ['syscalls'] });
    const keysOf = (ids: string[]) => ids.map((id) => store.key('syscalls', id));
    const { createHash } = await import('node:crypto');
    const ids = Array.from({ length: ENTITIES }, (_, i) => createHash('sha256').update(String(i)).digest('hex'));
    let seed = 7;
    const pick = (n: number) => Array.from({ length: n }, () => ids[(seed = (seed * 48271) % 2147483647) % ids.length]!);

    const paths = {
      raw: async (e: string[]) => {
        if (e.length === 1) return raw.hmget(keysOf(e)[0]!, ...fields);
        const p = raw.pipeline();
        for (const k of keysOf(e)) p.hmget(k, ...fields);
        return p.exec();
      },
      dfp: (e: string[]) => store.read('syscalls', e, features),
      service: (e: string[]) => service.get(e, selection),
    };
    const rows: (string | number)[][] = [];
    const summary: Record<string, number> = {};
    for (const batch of [1, 100]) {
      const iterations = batch === 1 ? ITERATIONS * 2 : ITERATIONS;
      const times: Record<keyof typeof paths, number[]> = { raw: [], dfp: [], service: [] };
      const order = Object.keys(paths) as (keyof typeof paths)[];
      for (let i = 0; i < WARMUP + iterations; i++) {
        const e = pick(batch);
        // Rotate which path goes first so neither always gets the warmer connection or cache.
        for (let k = 0; k < order.length; k++) {
          const name = order[(i + k) % order.length]!;
          const s = performance.now();
          await paths[name](e);
          if (i >= WARMUP) times[name].push(performance.now() - s);
        }
      }
      const stats = (name: keyof typeof paths) => {
        const sorted = times[name].sort((a, b) => a - b);
        return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
      };
      const r = stats('raw');
      for (const name of order) {
        const s = stats(name);
        summary[`${name}_${batch}_p99`] = s.p99;
        rows.push([batch, name === 'raw' ? 'raw ioredis HMGET pipeline' : name === 'dfp' ? 'dfp RedisOnlineStore.read' : 'dfp OnlineFeatureService.get (statuses)', s.p50.toFixed(3), s.p99.toFixed(3), (s.p99 / r.p99).toFixed(2)]);
      }
    }
    await raw.quit();
    await store.close();

    const body = [
      `${ENTITIES} synthetic apps × ${features.length} system-call features (view \`syscalls\`), real redis-server ${server.url.replace(/:\d+$/, '')} on loopback, no persistence.`,
      `Materialize: ${report!.written} entities in ${(materializeMs / 1000).toFixed(2)} s (${((report!.written / materializeMs) * 1000).toFixed(0)} entities/s); unchanged re-run wrote ${again!.written}, skipped ${again!.skipped} in ${(rematerializeMs / 1000).toFixed(2)} s.`,
      `Reads: all ${features.length} features of the view, random entities, ${WARMUP} warm-up rounds, then ${ITERATIONS * 2} (1 entity) / ${ITERATIONS} (100 entities) rounds; the three paths alternate within each round, order rotated. Latency in ms. Target: dfp p99 ≤ 1.5× raw.`,
      '',
      markdownTable(['entities', 'path', 'p50 ms', 'p99 ms', 'p99 / raw'], rows),
    ].join('\n');
    writeSection('Online feature reads (Redis)', body);
    console.log(body);
    console.log(`\nratio dfp/raw p99: 1 entity ${(summary.dfp_1_p99! / summary.raw_1_p99!).toFixed(2)}, 100 entities ${(summary.dfp_100_p99! / summary.raw_100_p99!).toFixed(2)}`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
