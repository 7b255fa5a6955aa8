// Test support: a separate process that logs metrics one transaction at a time and registers versions, to race another.
import { EmbeddedStore } from '../embedded/store.ts';

const [dir, runId, tag, n] = process.argv.slice(2) as [string, string, string, string];
const store = new EmbeddedStore(dir);
await store.ensureRegisteredModel('concurrent');
for (let i = 0; i < Number(n); i++) {
  await store.logBatch(runId, { metrics: [{ key: tag, value: i, step: i, timestamp: Date.now() }], tags: { [`last_${tag}`]: String(i) } });
  if (i % 30 === 0) await store.createModelVersion('concurrent', { source: `file:///tmp/${tag}/${i}`, runId });
}
await store.close();
