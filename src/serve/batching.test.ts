// Micro-batching returns exactly the single-call scores; an alias move under concurrent load on a listening server
// drops nothing, and every answer is the right score for the model version it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { N_FEATURES } from '../core/scoring/features.ts';
import type { ScoreBatch } from '../core/ml/explain/explainer.ts';
import { until } from '../testing/until.ts';
import { MicroBatcher } from '../runtime/batcher.ts';
import { type Harness, MODEL_NAME, startHarness } from './testing/harness.ts';
import { appBody, sampleRows } from './testing/model.ts';

/**
 * Scores agree to float32 rounding: onnxruntime's ReduceSum (the autoencoder's score = Σ weighted feature errors)
 * vectorises across rows, so the last bit of a row's sum depends on its position in the batch — never on the other
 * rows' contents (checked below). The same holds for the vectorised tail of the per-feature errors. Classifier scores
 * (one logit per row) are bit-identical.
 */
const close = (a: number, b: number) => Math.abs(a - b) <= 4 * 2 ** -23 * Math.max(1, Math.abs(b));

test('micro-batched rows get the same scores and errors as one-row calls (classifier: bit-identical)', async () => {
  for (const kind of ['autoencoder', 'classifier'] as const) await batchedEqualsSingle(kind);
});

async function batchedEqualsSingle(kind: 'autoencoder' | 'classifier'): Promise<void> {
  const h = await startHarness({ models: [{ kind }] });
  try {
    const scorer = h.holder.current!.batcher.scorer;
    const n = 40;
    const x = sampleRows(n, 3);
    const single: ScoreBatch[] = [];
    for (let i = 0; i < n; i++) single.push(await scorer.score(x.slice(i * N_FEATURES, (i + 1) * N_FEATURES), 1));
    const sizes: number[] = [];
    const b = new MicroBatcher(scorer, { maxRows: 16, maxWaitMs: 1, onBatch: (s) => sizes.push(s) });
    const got = await Promise.all(Array.from({ length: n }, (_, i) => b.submit((buf, off) => buf.set(x.subarray(i * N_FEATURES, (i + 1) * N_FEATURES), off))));
    // All 40 rows are submitted in one synchronous pass, before any wait can end: maxRows alone cuts them, so the
    // grouping is exact whatever the machine's load (the batcher's own grouping rules are in batcher.test.ts).
    assert.deepEqual(sizes, [16, 16, 8]);
    got.forEach((g, i) => {
      assert.ok(close(g.score, single[i]!.scores[0]!), `row ${i}: ${g.score} vs ${single[i]!.scores[0]}`);
      if (kind === 'autoencoder') g.errors!.subarray(g.offset, g.offset + N_FEATURES).forEach((e, j) => assert.ok(close(e, single[i]!.featureErrors![j]!), `row ${i} feature ${j}`));
    });
    // A fill that throws gives its row back: the next row takes the slot, nothing is scored twice.
    assert.throws(() => b.submit(() => {
      throw new Error('bad row');
    }));
    const again = await b.submit((buf, off) => buf.set(x.subarray(0, N_FEATURES), off));
    assert.equal(again.score, single[0]!.scores[0]);
    await b.drained();
    // A row's score depends on its slot only, not on its neighbours: same row in slot 5 among two different batches.
    const slot5 = async (seed: number) => {
      const y = sampleRows(16, seed);
      y.set(x.subarray(0, N_FEATURES), 5 * N_FEATURES);
      return (await scorer.score(y, 16)).scores[5];
    };
    assert.equal(await slot5(100), await slot5(200));
    if (kind === 'classifier') got.forEach((g, i) => assert.equal(g.score, single[i]!.scores[0]));
  } finally {
    await h.close();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies of several shapes
async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

async function listen(h: Harness): Promise<string> {
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
}

test('concurrent HTTP requests score as single requests do', async () => {
  // No claim on how they were grouped (that depends on the machine's load): only on the answers.
  const h = await startHarness();
  try {
    const base = await listen(h);
    const x = sampleRows(32, 11);
    const single: number[] = [];
    for (let i = 0; i < 32; i++) single.push((await post(`${base}/v1/score`, appBody(x, i))).json.score);
    const conc = await Promise.all(Array.from({ length: 32 }, (_, i) => post(`${base}/v1/score`, appBody(x, i))));
    conc.forEach((c, i) => {
      assert.equal(c.status, 200, JSON.stringify(c.json));
      assert.ok(close(c.json.score, single[i]!), `row ${i}: ${c.json.score} vs ${single[i]}`);
    });
  } finally {
    await h.close();
  }
});

test('concurrent HTTP requests share one micro-batch: the first run is held until all 32 rows are queued', async () => {
  // The partial batch's wait ends when the test says, not after a number of milliseconds.
  const held: { flush?: () => void } = {};
  const h = await startHarness({
    microBatchSchedule: (flush) => {
      held.flush = () => {
        delete held.flush;
        flush();
      };
      return () => delete held.flush;
    },
  });
  try {
    const base = await listen(h);
    const x = sampleRows(32, 11);
    const batcher = h.holder.current!.batcher;
    const conc = Promise.all(Array.from({ length: 32 }, (_, i) => post(`${base}/v1/score`, appBody(x, i))));
    await until('all 32 requests to be queued in the micro-batcher', () => batcher.busy === 32);
    assert.ok(held.flush, 'the partial batch waits');
    held.flush();
    const answers = await conc;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /dfp_micro_batch_rows_count 1\n/, '32 requests, one run');
    assert.match(metrics, /dfp_micro_batch_rows_sum 32\n/);
    for (const [i, a] of answers.entries()) {
      const one = await batcher.scorer.score(x.slice(i * N_FEATURES, (i + 1) * N_FEATURES), 1);
      assert.ok(close(a.json.score, one.scores[0]!), `row ${i}: ${a.json.score} vs ${one.scores[0]}`);
    }
  } finally {
    held.flush?.(); // after a failure, so that closing does not wait for a batch nobody releases
    await h.close();
  }
});

test('alias moves under concurrent load: no request dropped or failed, old-model answers are old-model scores', async () => {
  const h: Harness = await startHarness({ source: 'registry', models: [{ seed: 1 }, { seed: 2 }], apiKey: 'swap-key' });
  try {
    const base = await listen(h);
    const x = sampleRows(8, 5);
    // Expected score per (version, row), from each version's own session.
    const v1 = await h.source.load({ name: MODEL_NAME, version: '1' });
    const v2 = await h.source.load({ name: MODEL_NAME, version: '2' });
    const { Scorer } = await import('../runtime/scorer.ts');
    const expected = new Map<string, Float32Array>();
    for (const m of [v1, v2]) {
      const s = await Scorer.open(m);
      expected.set(m.ref.version, (await s.score(x, 8)).scores);
      await s.close();
    }
    for (let i = 0; i < 8; i++) assert.ok(!close(expected.get('1')![i]!, expected.get('2')![i]!), 'the two versions must score differently');

    let stop = false;
    let promotedAt = Infinity;
    const seen: { client: number; sent: number; version: string; ok: boolean }[] = [];
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const row = (c + i) % 8;
        const sent = performance.now();
        const res = await post(`${base}/v1/score`, appBody(x, row));
        const version = res.json?.model?.version as string;
        const want = expected.get(version)?.[row];
        const ok = res.status === 200 && want !== undefined && close(res.json.score, want);
        seen.push({ client: c, sent, version, ok });
      }
    };
    const clients = Array.from({ length: 16 }, (_, c) => client(c));
    // Load is counted in answers, not in milliseconds: every client has been answered before the move, and again
    // (twice, by requests sent after the promote returned) after it, while all 16 keep sending throughout.
    const answeredEach = (n: number, since = -Infinity) => Array.from({ length: 16 }, (_, c) => seen.filter((s) => s.client === c && s.sent > since).length >= n).every(Boolean);
    try {
      await until('every client answered before the move', () => answeredEach(2));
      const pr = await post(`${base}/v1/admin/promote`, { name: MODEL_NAME, version: '2', alias: 'production' }, { 'x-api-key': 'swap-key' });
      promotedAt = performance.now();
      assert.equal(pr.status, 200, JSON.stringify(pr.json));
      assert.equal(pr.json.serving.changed, true);
      await until('every client answered twice after the move', () => answeredEach(2, promotedAt));
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    assert.deepEqual(seen.filter((s) => !s.ok), [], 'every request got 200 and its version\'s exact score');
    assert.ok(seen.some((s) => s.version === '1') && seen.some((s) => s.version === '2'));
    // The promote call returns once the swap is done: a request sent after that is version 2's, with no time slack.
    assert.deepEqual(seen.filter((s) => s.sent > promotedAt && s.version !== '2'), [], 'after the swap only version 2 answers');
    // Per client, versions never go back from 2 to 1.
    for (let c = 0; c < 16; c++) {
      const vs = seen.filter((s) => s.client === c).map((s) => s.version);
      assert.ok(vs.lastIndexOf('1') < Math.max(0, vs.indexOf('2')) || !vs.includes('2'), `client ${c}: ${vs.join('')}`);
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /dfp_model_info\{name="fingerprint",version="2",alias="production"\} 1/);
    assert.doesNotMatch(metrics, /dfp_model_info\{name="fingerprint",version="1"/);
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { serving: { version: string }; models: { aliases: Record<string, string> }[] };
    assert.equal(models.serving.version, '2');
    assert.deepEqual(models.models[0]!.aliases, { production: '2' });
  } finally {
    await h.close();
  }
});

test('polling: a server follows the alias on its own', async () => {
  const h = await startHarness({ source: 'registry', models: [{ seed: 1 }, { seed: 2 }] });
  try {
    assert.equal(h.holder.current!.batcher.scorer.ref.version, '1');
    await h.source.promote({ name: MODEL_NAME, version: '2' }, 'production');
    // The harness holder does not poll; reload() is what each poll tick runs.
    const r = await h.holder.reload();
    assert.deepEqual(r, { changed: true, model: { name: MODEL_NAME, version: '2' }, previous: { name: MODEL_NAME, version: '1' } });
    assert.equal((await h.holder.reload()).changed, false);
  } finally {
    await h.close();
  }
});
