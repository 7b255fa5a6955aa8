// Live drift monitoring on a served model directory: the window counts apps, not seconds (409 until it holds 20), the
// feature summaries in /metrics are the posted apps' own sums, and a model whose training run the workspace does not
// know gets a 404 saying so. GET /v1/drift against real training data: tests/cli/drift-production.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PERMISSION_COLUMNS, SYSCALL_COLUMNS, lakeName } from '../core/kronodroid/schema.ts';
import { FEATURE_INDEX, N_FEATURES } from '../core/scoring/features.ts';
import { type Harness, startHarness } from './testing/harness.ts';
import { appBody, sampleRows } from './testing/model.ts';

const rows = sampleRows(35, 9);
const bodies = Array.from({ length: 35 }, (_, i) => appBody(rows, i));

describe('drift monitoring (model directory)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ drift: { window: 30 } });
  });
  after(() => h.close());

  const batch = async (items: unknown[]) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/score/batch', payload: items as object });
    assert.equal(res.statusCode, 200, res.body);
  };

  test('409 until 20 apps are scored, then the reference: a model whose training run is unknown is a 404 naming it', async () => {
    await batch(bodies.slice(0, 10));
    const early = await h.app.inject('/v1/drift');
    assert.equal(early.statusCode, 409);
    const version = h.holder.current!.batcher.scorer.ref.version;
    assert.equal(early.json().error.message, `10 app(s) scored by fingerprint version ${version} so far; drift needs at least 20 (the last 30, drift.window, are compared)`);
    await batch(bodies.slice(10));
    const res = await h.app.inject('/v1/drift');
    assert.equal(res.statusCode, 404, res.body);
    assert.match(res.json().error.message, new RegExp(`^GET /v1/drift compares recent apps with the training data of fingerprint version ${version}, which cannot be read: its training run test-7 is not in `));
  });

  test('/metrics: per model version, each scored app\'s system calls, permission flags and missing features', async () => {
    const text = (await h.app.inject('/metrics')).body;
    const labels = `model="fingerprint",version="${h.holder.current!.batcher.scorer.ref.version}"`;
    let calls = 0;
    let perms = 0;
    for (let r = 0; r < 35; r++) {
      for (const c of SYSCALL_COLUMNS) calls += rows[r * N_FEATURES + FEATURE_INDEX.get(c)!]!;
      for (const c of PERMISSION_COLUMNS) if (rows[r * N_FEATURES + FEATURE_INDEX.get(lakeName(c))!] === 1) perms++;
    }
    const value = (name: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('dfp_app_syscalls_count'), 35);
    assert.equal(value('dfp_app_syscalls_sum'), calls);
    assert.equal(value('dfp_app_permissions_sum'), perms);
    assert.equal(value('dfp_app_missing_features_sum'), 0);
    assert.equal(value('dfp_score_count'), 35);
  });
});
