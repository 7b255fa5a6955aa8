// The outbox without a server: runs keep working offline, one warning each, and a run another process is pushing is left to it.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EmbeddedStore } from './embedded/store.ts';
import { MlflowStore } from './mlflow/store.ts';
import { MirroredTracking } from './outbox.ts';

async function deadUrl(): Promise<string> {
  const s = createServer();
  const port = await new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as { port: number }).port)));
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

test('outbox: with the server down a run is logged locally, warned about once, and still pending', async () => {
  const warnings: string[] = [];
  const t = new MirroredTracking(new EmbeddedStore(mkdtempSync(join(tmpdir(), 'dfp-outbox-'))), new MlflowStore({ url: await deadUrl(), timeoutMs: 2000 }), (m) => warnings.push(m));
  const run = await t.createRun({ experiment: 'offline' });
  await t.logBatch(run.runId, { params: { a: 1 }, metrics: [{ key: 'loss', value: 1, step: 0, timestamp: 1 }] });
  await t.endRun(run.runId);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /unreachable; run kept locally as [0-9a-f]{32} .*`dfp runs sync`/);
  const got = await t.getRun(run.runId);
  assert.deepEqual([got.info.status, got.params.a, got.metrics.loss, got.tags['dfp.sync']], ['FINISHED', '1', 1, 'pending']);
  assert.equal(await t.pendingRuns(), 1);
  await assert.rejects(t.sync(), /unreachable; 1 run\(s\) still pending locally/);

  // another process holds a fresh claim on creating the remote run: sync leaves it alone instead of creating a twin
  t.local.db.prepare('UPDATE runs SET claim = ?, claim_at = ? WHERE run_id = ?').run('other', Date.now(), run.runId);
  const report = await t.sync();
  assert.equal(report.failed.length, 1);
  assert.match(report.failed[0]!.error, /another dfp process is pushing/);
  await t.close();
});
