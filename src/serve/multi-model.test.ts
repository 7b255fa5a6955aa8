// `dfp serve` with two models: out of the box the detector (serve.model) gives the verdict and the fingerprint
// autoencoder (serve.fingerprint_model) its anomaly score beside it; ?model= asks one alone; /readyz follows the
// primary; /v1/models lists both; the dashboard's score API follows the same default. On the real KronoDroid
// subset: after `dfp run`, the server flags the known-malware rows at the detector's own rate.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runDfp } from '../../tests/support/cli.ts';
import { REAL_2019, haveRealData } from '../../tests/support/shared-data.ts';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { promote } from '../core/tracking/champion.ts';
import { N_FEATURES } from '../core/scoring/features.ts';
import { silentLogger } from '../log/logger.ts';
import { openModel } from '../runtime/open.ts';
import { loadFileDataset } from '../train/data.ts';
import { testConfig } from '../train/testing.ts';
import { logModel } from '../tracking/log-model.ts';
import { openTracking } from '../tracking/open.ts';
import { type RunningServer, startServer } from './start.ts';
import { appBody, sampleRows, writeSampleModel } from './testing/model.ts';

const DETECTOR = 'kronodroid_detector';
const AUTOENCODER = 'kronodroid_autoencoder';

interface Result {
  score: number;
  is_malware: boolean;
  model: { name: string; version: string };
  top_features: { name: string; z: number }[];
  fingerprint?: { score: number; is_anomalous: boolean; threshold: number; model: { name: string }; top_features: unknown[] };
  sha256?: string;
  Malware?: number;
}

async function call(s: RunningServer, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await s.app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

/** A server on `home`'s workspace with only these config overrides (defaults otherwise). */
/** The workspace registers the two models only: no static-only detector (APK scoring off, serve.static_model=none). */
function serve(home: string, overrides: string[] = []): Promise<RunningServer> {
  return startServer(testConfig(['serve.poll_seconds=0', 'serve.static_model=none', ...overrides], home), { host: '127.0.0.1', port: 0, log: silentLogger });
}

describe('two registered models, as `dfp run` leaves them (small self-made models)', () => {
  const home = mkdtempSync(join(tmpdir(), 'dfp-serve-multi-'));
  const x = sampleRows(8, 3);

  before(async () => {
    const t = await openTracking(testConfig([], home));
    try {
      for (const [name, kind] of [[DETECTOR, 'classifier'], [AUTOENCODER, 'autoencoder']] as const) {
        const dir = join(home, 'models', name);
        mkdirSync(dir, { recursive: true });
        await writeSampleModel(dir, { kind, seed: kind === 'classifier' ? 4 : 9 });
        const run = await t.createRun({ experiment: 'serve-multi' });
        const logged = await logModel(t, run.runId, dir, { registeredModelName: name });
        await promote(t, name, logged.version!.version, 'production');
      }
    } finally {
      await t.close();
    }
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('out of the box: the detector answers, the autoencoder scores beside it; ?model= picks one; batch too', async () => {
    const s = await serve(home);
    try {
      const ready = await call(s, 'GET', '/readyz');
      assert.equal(ready.status, 200);
      assert.equal((ready.json.model as { name: string }).name, DETECTOR);
      assert.equal((ready.json.fingerprint as { name: string }).name, AUTOENCODER);

      const both = (await call(s, 'POST', '/v1/score', { ...appBody(x, 0), Malware: 1 })).json as unknown as Result;
      assert.equal(both.model.name, DETECTOR);
      assert.deepEqual(both.top_features, [], 'a classifier verdict');
      assert.equal(both.Malware, 1, 'the label passes through');
      assert.ok(both.fingerprint, 'the fingerprint beside it');
      assert.equal(both.fingerprint.model.name, AUTOENCODER);
      assert.equal(both.fingerprint.top_features.length, 5);
      assert.equal(both.fingerprint.is_anomalous, both.fingerprint.score > both.fingerprint.threshold);

      const detector = (await call(s, 'POST', `/v1/score?model=${DETECTOR}`, appBody(x, 0))).json as unknown as Result;
      const autoencoder = (await call(s, 'POST', `/v1/score?model=${AUTOENCODER}`, appBody(x, 0))).json as unknown as Result;
      assert.equal(detector.fingerprint, undefined, '?model= asks one model alone');
      assert.equal(autoencoder.fingerprint, undefined);
      assert.deepEqual([both.score, both.is_malware], [detector.score, detector.is_malware]);
      assert.deepEqual(
        [both.fingerprint.score, both.fingerprint.is_anomalous, both.fingerprint.top_features],
        [autoencoder.score, autoencoder.is_malware, autoencoder.top_features],
        'the fingerprint block is the autoencoder\'s own answer',
      );

      const unknown = await call(s, 'POST', '/v1/score?model=nope', appBody(x, 0));
      assert.equal(unknown.status, 404);
      assert.match(String((unknown.json.error as { message: string }).message), new RegExp(`one of: ${DETECTOR}, ${AUTOENCODER}`));

      const batch = (await call(s, 'POST', '/v1/score/batch', Array.from({ length: 8 }, (_, i) => appBody(x, i)))).json.results as Result[];
      assert.equal(batch.length, 8);
      assert.ok(batch.every((r) => r.model.name === DETECTOR && r.fingerprint?.model.name === AUTOENCODER));
      assert.equal(batch[0]!.fingerprint!.score, autoencoder.score);
      const alone = (await call(s, 'POST', `/v1/score/batch?model=${AUTOENCODER}`, [appBody(x, 0)])).json.results as Result[];
      assert.equal(alone[0]!.model.name, AUTOENCODER);
      assert.equal(alone[0]!.fingerprint, undefined);

      const models = (await call(s, 'GET', '/v1/models')).json as { primary: string; fingerprint: string; loaded: { name: string; role: string; kind: string }[]; serving: { name: string } };
      assert.equal(models.primary, DETECTOR);
      assert.equal(models.fingerprint, AUTOENCODER);
      assert.equal(models.serving.name, DETECTOR);
      assert.deepEqual(models.loaded.map((m) => [m.name, m.role, m.kind]), [[DETECTOR, 'primary', 'classifier'], [AUTOENCODER, 'fingerprint', 'autoencoder']]);

      // The dashboard's score page follows the same default, and ?model= there too.
      const ui = (await call(s, 'POST', '/api/ui/score', { features: appBody(x, 0) })).json as { score: number; model: { name: string }; fingerprint?: { score: number; model: { name: string } } };
      assert.equal(ui.model.name, DETECTOR);
      assert.equal(ui.fingerprint?.model.name, AUTOENCODER);
      assert.ok(Math.abs(ui.score - both.score) < 1e-6 && Math.abs(ui.fingerprint.score - both.fingerprint.score) < 1e-4 * Math.max(1, both.fingerprint.score));
      const uiInfo = (await call(s, 'GET', '/api/ui/score/model')).json as { name: string; fingerprint?: { name: string } };
      assert.deepEqual([uiInfo.name, uiInfo.fingerprint?.name], [DETECTOR, AUTOENCODER]);
      const uiAlone = (await call(s, 'POST', '/api/ui/score', { features: appBody(x, 0), model: AUTOENCODER })).json as { model: { name: string }; fingerprint?: unknown };
      assert.deepEqual([uiAlone.model.name, uiAlone.fingerprint], [AUTOENCODER, undefined]);

      const doc = (await call(s, 'GET', '/docs/json')).json as { paths: Record<string, { post: { parameters?: { name: string; in: string }[] } }>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
      assert.ok(doc.paths['/v1/score']!.post.parameters?.some((p) => p.name === 'model' && p.in === 'query'), '?model= documented');
      const result = Object.values(doc.components.schemas).find((sc) => sc.properties && 'is_malware' in sc.properties);
      assert.ok(result && 'fingerprint' in result.properties && 'Malware' in result.properties, 'fingerprint and passthrough fields documented');
    } finally {
      await s.close();
    }
  });

  test('serve.model still picks the primary; serve.fingerprint_model=none, or the same model, serves one', async () => {
    for (const overrides of [[`serve.model=${AUTOENCODER}`], ['serve.fingerprint_model=none']]) {
      const s = await serve(home, overrides);
      try {
        const r = (await call(s, 'POST', '/v1/score', appBody(x, 1))).json as unknown as Result;
        assert.equal(r.model.name, overrides[0]!.startsWith('serve.model') ? AUTOENCODER : DETECTOR, overrides.join(' '));
        assert.equal(r.fingerprint, undefined, overrides.join(' '));
        assert.equal(((await call(s, 'GET', '/v1/models')).json.loaded as unknown[]).length, 1);
      } finally {
        await s.close();
      }
    }
  });

  test('/readyz is 200 when the primary is loaded (the fingerprint model missing only drops its block), 503 when the primary is missing', async () => {
    const noFingerprint = await serve(home, ['serve.fingerprint_model=no_such_model']);
    try {
      assert.equal((await call(noFingerprint, 'GET', '/readyz')).status, 200);
      const r = await call(noFingerprint, 'POST', '/v1/score', appBody(x, 2));
      assert.equal(r.status, 200);
      assert.equal((r.json as unknown as Result).fingerprint, undefined);
      const models = (await call(noFingerprint, 'GET', '/v1/models')).json as { not_loaded: { name: string; role: string; reason: string }[] };
      assert.deepEqual(models.not_loaded.map((m) => [m.name, m.role]), [['no_such_model', 'fingerprint']]);
      assert.match(models.not_loaded[0]!.reason, /no_such_model/);
    } finally {
      await noFingerprint.close();
    }
    const noPrimary = await serve(home, ['serve.model=no_such_model']);
    try {
      const ready = await call(noPrimary, 'GET', '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.model, 'no_such_model');
      const r = await call(noPrimary, 'POST', '/v1/score', appBody(x, 2));
      assert.equal(r.status, 503);
      assert.match(String((r.json.error as { message: string }).message), /no version of model 'no_such_model'/);
      assert.equal((await call(noPrimary, 'POST', `/v1/score?model=${AUTOENCODER}`, appBody(x, 2))).status, 200, 'the loaded one still answers when asked');
    } finally {
      await noPrimary.close();
    }
  });
});

describe('the real KronoDroid subset after `dfp run`', () => {
  test('dfp serve out of the box flags the known-malware rows at the detector\'s own rate, well above the autoencoder\'s', { timeout: 1_800_000 }, async (t) => {
    if (!haveRealData(t)) return;
    const home = mkdtempSync(join(tmpdir(), 'dfp-serve-real-'));
    try {
      // Both models registered and promoted exactly as a user's `dfp run` does (few epochs: the detector is good fast).
      const run = runDfp(['run', '--source', REAL_2019, 'train.epochs=8', 'train.patience=4', '--json'], { DFP_HOME: home });
      assert.equal(run.code, 0, run.stderr);
      const config = testConfig([], home);
      const { data } = await loadFileDataset(REAL_2019, config);
      const malware = [...data.y.keys()].filter((i) => data.y[i] === 1);
      const F = N_FEATURES;
      const rows = new Float32Array(malware.length * F);
      malware.forEach((i, k) => rows.set(data.x.subarray(i * F, (i + 1) * F), k * F));

      // What each model itself says of those rows.
      const own = async (name: string) => {
        const { model, cleanup } = await openModel(config, `models:/${name}@production`);
        try {
          return [...(await model.score(rows)).scores].map((v) => model.flagged(v));
        } finally {
          await model.close();
          await cleanup();
        }
      };
      const detectorFlags = await own(DETECTOR);
      const autoencoderFlags = await own(AUTOENCODER);

      const s = await serve(home);
      const served: Result[] = [];
      try {
        // Default request limits (1 MB bodies): a few dozen apps per request.
        for (let k = 0; k < malware.length; k += 40) {
          const items = malware.slice(k, k + 40).map((i) => {
            const body: Record<string, unknown> = { sha256: data.sha256[i] };
            FEATURE_COLUMNS.forEach((c, j) => {
              const v = data.x[i * F + j]!;
              body[c] = Number.isNaN(v) ? null : v;
            });
            return body;
          });
          const r = await call(s, 'POST', '/v1/score/batch', items);
          assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 500));
          served.push(...(r.json.results as Result[]));
        }
      } finally {
        await s.close();
      }
      assert.equal(served.length, malware.length);
      const rate = (flags: boolean[]) => flags.filter(Boolean).length / flags.length;
      const servedRate = rate(served.map((r) => r.is_malware));
      const servedFingerprintRate = rate(served.map((r) => r.fingerprint!.is_anomalous));
      t.diagnostic(
        `${malware.length} malware rows: served flag rate ${servedRate.toFixed(4)}; detector itself ${rate(detectorFlags).toFixed(4)}; ` +
          `autoencoder itself ${rate(autoencoderFlags).toFixed(4)} (served fingerprint ${servedFingerprintRate.toFixed(4)})`,
      );
      assert.ok(served.every((r) => r.model.name === DETECTOR && r.fingerprint?.model.name === AUTOENCODER));
      assert.deepEqual(served.map((r) => r.is_malware), detectorFlags, 'every verdict is the detector\'s own');
      assert.deepEqual(served.map((r) => r.fingerprint!.is_anomalous), autoencoderFlags, 'every fingerprint flag is the autoencoder\'s own');
      assert.ok(servedRate >= rate(autoencoderFlags) + 0.1, `detector rate ${servedRate} is not well above the autoencoder's ${rate(autoencoderFlags)}`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
