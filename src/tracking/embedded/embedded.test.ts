// The embedded store: the shared contract suite, plus two processes writing to one SQLite file at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { trackingContract } from '../testing/contract.ts';
import { EmbeddedStore } from './store.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-track-'));
const store = new EmbeddedStore(dir);
after(() => store.close());

trackingContract('embedded', () => store);

const WRITER = join(import.meta.dirname, '../testing/concurrent-writer.ts');

function writer(runId: string, tag: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, runId, tag, String(n)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve(code) : reject(new Error(`writer ${tag} exited ${code}: ${err}`))));
  });
}

test('embedded: two processes writing the same store at once lose nothing', async () => {
  const run = await store.createRun({ experiment: 'concurrency' });
  await Promise.all([writer(run.runId, 'a', 300), writer(run.runId, 'b', 300)]);
  assert.equal((await store.getMetricHistory(run.runId, 'a')).length, 300);
  assert.equal((await store.getMetricHistory(run.runId, 'b')).length, 300);
  const model = await store.getRegisteredModel('concurrent');
  assert.equal(model.latestVersion, '20'); // versions numbered without gaps or duplicates across processes
});
