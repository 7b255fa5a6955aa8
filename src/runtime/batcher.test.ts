// MicroBatcher's grouping on a scripted scorer and a held wait: which rows share a run is decided by the test, never by
// a clock, so these hold on a loaded machine. (src/serve/batching.test.ts checks the scores on real models and over HTTP.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { N_FEATURES } from '../core/scoring/features.ts';
import type { ScoreBatch } from '../core/ml/explain/explainer.ts';
import { type BatchScorer, MicroBatcher, type RowResult, type Schedule } from './batcher.ts';

/** A scorer whose runs finish when the test says; row i of a run scores its first feature. */
class ScriptedScorer implements BatchScorer {
  readonly ref = { name: 'scripted', version: '1' };
  /** One entry per run, oldest first: the rows' first features, and how to finish it. */
  readonly runs: { firsts: number[]; finish: (fail?: Error) => void }[] = [];

  score(x: Float32Array, rows: number): Promise<ScoreBatch> {
    const firsts = Array.from({ length: rows }, (_, i) => x[i * N_FEATURES]!);
    return new Promise((resolve, reject) => {
      this.runs.push({ firsts, finish: (fail) => (fail ? reject(fail) : resolve({ scores: Float32Array.from(firsts) })) });
    });
  }

  async close(): Promise<void> {}
}

/** A wait that never ends on its own: the test releases it. */
function heldWait(): { schedule: Schedule; armed: () => boolean; release: () => void } {
  let pending: (() => void) | undefined;
  return {
    schedule: (flush) => {
      pending = flush;
      return () => (pending = undefined);
    },
    armed: () => pending !== undefined,
    release: () => {
      const flush = pending;
      assert.ok(flush, 'no partial batch is waiting');
      pending = undefined;
      flush();
    },
  };
}

/** Lets every queued promise callback run (no timers, no I/O: nothing here waits on the clock). */
const settle = () => new Promise<void>((r) => setImmediate(r));

function setup(opts: { maxRows: number; maxInflight?: number }) {
  const scorer = new ScriptedScorer();
  const wait = heldWait();
  const sizes: number[] = [];
  const b = new MicroBatcher(scorer, { maxRows: opts.maxRows, maxWaitMs: 1, maxInflight: opts.maxInflight ?? 1, onBatch: (n) => sizes.push(n), schedule: wait.schedule });
  const submit = (v: number): Promise<number> => b.submit((buf, off) => buf.fill(v, off, off + N_FEATURES)).then((r: RowResult) => r.score);
  return { scorer, wait, sizes, b, submit };
}

test('rows arriving over several turns of the event loop share one run until the wait is over', async () => {
  const { scorer, wait, sizes, b, submit } = setup({ maxRows: 8 });
  const got: Promise<number>[] = [];
  for (const v of [1, 2, 3]) {
    got.push(submit(v));
    await settle();
  }
  assert.equal(scorer.runs.length, 0, 'a partial batch waits');
  assert.equal(b.busy, 3);
  wait.release();
  assert.deepEqual(sizes, [3]);
  scorer.runs[0]!.finish();
  assert.deepEqual(await Promise.all(got), [1, 2, 3], 'each row gets its own score');
  await b.drained();
  assert.equal(b.busy, 0);
  assert.equal(wait.armed(), false);
});

test('a full batch runs at once; the rest waits for company or the end of the wait', async () => {
  const { scorer, wait, sizes, submit } = setup({ maxRows: 4 });
  const got = [1, 2, 3, 4, 5, 6].map(submit);
  assert.deepEqual(sizes, [4], 'the first four went without waiting');
  assert.deepEqual(scorer.runs[0]!.firsts, [1, 2, 3, 4]);
  scorer.runs[0]!.finish();
  await settle();
  // The two left over arrived while the run was in flight: they already waited, so they go when it settles.
  assert.deepEqual(sizes, [4, 2]);
  assert.equal(wait.armed(), false);
  scorer.runs[1]!.finish();
  assert.deepEqual(await Promise.all(got), [1, 2, 3, 4, 5, 6]);
});

test('rows arriving while a run is in flight pile up into the next batch, whatever the wait', async () => {
  const { scorer, wait, sizes, b, submit } = setup({ maxRows: 16 });
  const first = submit(1);
  wait.release();
  assert.deepEqual(sizes, [1]);
  const later: Promise<number>[] = [];
  for (const v of [2, 3, 4, 5]) {
    later.push(submit(v));
    await settle();
  }
  assert.equal(wait.armed(), false, 'no wait is armed while every run slot is busy');
  assert.deepEqual(sizes, [1]);
  scorer.runs[0]!.finish();
  assert.equal(await first, 1);
  assert.deepEqual(sizes, [1, 4]);
  scorer.runs[1]!.finish();
  assert.deepEqual(await Promise.all(later), [2, 3, 4, 5]);
  await b.drained();
});

test('a failed run rejects exactly its rows; the next batch still runs', async () => {
  const { scorer, wait, submit } = setup({ maxRows: 2 });
  const a = [submit(1), submit(2)];
  const c = submit(3);
  scorer.runs[0]!.finish(new Error('session gone'));
  await Promise.all(a.map((p) => assert.rejects(p, /session gone/)));
  assert.equal(wait.armed(), false);
  scorer.runs[1]!.finish();
  assert.equal(await c, 3);
});

test('a fill that throws queues nothing; the next row takes the slot', async () => {
  const { scorer, wait, sizes, b, submit } = setup({ maxRows: 4 });
  assert.throws(() => b.submit(() => {
    throw new Error('bad row');
  }), /bad row/);
  assert.equal(b.busy, 0);
  const p = submit(7);
  wait.release();
  assert.deepEqual(sizes, [1]);
  scorer.runs[0]!.finish();
  assert.equal(await p, 7);
});

test('onScored sees each scored batch, its rows as scored and its outputs, before the callers resume; a failed run is not reported', async () => {
  const scorer = new ScriptedScorer();
  const wait = heldWait();
  const seen: { firsts: number[]; scores: number[] }[] = [];
  let resumed = 0;
  const b = new MicroBatcher(scorer, {
    maxRows: 2,
    maxWaitMs: 1,
    schedule: wait.schedule,
    onScored: (x, rows, out) => {
      assert.equal(resumed, 0, 'reported before any caller resumes');
      seen.push({ firsts: Array.from({ length: rows }, (_, i) => x[i * N_FEATURES]!), scores: [...out.scores] });
    },
  });
  const submit = (v: number) => b.submit((buf, off) => buf.fill(v, off, off + N_FEATURES)).then((r) => (resumed++, r.score));
  const got = [submit(5), submit(7)];
  scorer.runs[0]!.finish();
  assert.deepEqual(await Promise.all(got), [5, 7]);
  assert.deepEqual(seen, [{ firsts: [5, 7], scores: [5, 7] }]);
  const failed = submit(9);
  wait.release();
  scorer.runs[1]!.finish(new Error('boom'));
  await assert.rejects(failed, /boom/);
  assert.equal(seen.length, 1);
});

test('the default wait is a timer: a lone row is scored without any help', { timeout: 60_000 }, async () => {
  const scorer = new ScriptedScorer();
  for (const maxWaitMs of [0, 1]) {
    const b = new MicroBatcher(scorer, { maxRows: 8, maxWaitMs });
    const p = b.submit((buf, off) => buf.fill(maxWaitMs + 10, off, off + N_FEATURES));
    // Nothing else arrives: the timer (setImmediate for 0) sends the batch; poll for the run instead of guessing a delay.
    while (scorer.runs.length === 0) await settle();
    scorer.runs.pop()!.finish();
    assert.equal((await p).score, maxWaitMs + 10);
  }
});
