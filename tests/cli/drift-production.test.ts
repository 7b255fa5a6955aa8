// Drift against the production models, on a workspace where both were trained and registered: `dfp drift` without
// --reference reads the detector's training data through its tracking run (the lake at its data commit) and scores
// both sides with both production models; `dfp serve` keeps the last drift.window scored apps and answers GET
// /v1/drift with the same document, and /metrics carries score and feature-summary histograms per model version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../../src/log/logger.ts';
import { type RunningServer, startServer } from '../../src/serve/start.ts';
import { testConfig } from '../../src/train/testing.ts';
import { openTracking } from '../../src/tracking/open.ts';
import { runDfp } from '../support/cli.ts';
import { appBodies, writeDriftedCsv } from '../support/drifted-apps.ts';
import { productionWorkspace } from '../support/trainable-workspace.ts';

interface ScoreDrift {
  model: string;
  version: string;
  psi: number;
  mean: number;
  reference_mean: number;
  mean_shift: number;
  alert_rate: number;
  reference_alert_rate: number;
  threshold: number;
  drifted: boolean;
}
interface Doc {
  reference: { source: string; rows: number; commit: string | null };
  current: { source: string; rows: number; commit: string | null };
  drifted: boolean;
  score: (ScoreDrift & { fingerprint: ScoreDrift | null }) | null;
  features: { name: string; group: string; psi: number; drifted: boolean }[];
  groups: Record<string, { features: number; drifted: number }>;
  months: { month: string; rows: number; alert_rate: number | null; score_psi: number | null }[];
  families: { malware: number; unseen: number; share_unseen: number; unseen_families: { name: string; apps: number }[] } | null;
  thresholds: Record<string, unknown>;
  plots?: Record<string, { svg: string; png: string }>;
}

describe('drift against the production models', { timeout: 600_000 }, () => {
  let home = '';
  let apps = '';
  let drifted = '';
  let detectorRun = { commit: '', seen: 0 };

  before(async () => {
    ({ home, apps } = productionWorkspace());
    drifted = writeDriftedCsv(home);
    // What the default reference must be: the detector's training run's data commit and its train + validation apps.
    const t = await openTracking(testConfig([], home));
    try {
      const v = await t.getVersionByAlias('kronodroid_detector', 'production');
      const run = await t.getRun(v!.runId!);
      const rows = (c: string) => run.inputs.find((i) => i.context === c)?.rows ?? NaN;
      detectorRun = { commit: run.params['data.commit']!, seen: rows('train') + rows('validation') };
    } finally {
      await t.close();
    }
  });

  const drift = (args: string[]): Doc => {
    const r = runDfp(['drift', ...args, '--json'], { DFP_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Doc;
  };

  test('dfp drift without --reference: the detector\'s training data at its run\'s commit, scored by both production models', () => {
    const same = drift(['--data', apps]);
    assert.match(same.reference.source, /^models:\/kronodroid_detector@production training data \(run [0-9a-f]+, training_apps\)$/);
    assert.equal(same.reference.commit, detectorRun.commit);
    assert.equal(same.reference.rows, detectorRun.seen, 'the apps the detector learned from and was calibrated on');
    assert.equal(same.current.rows, 240);
    const s = same.score!;
    assert.deepEqual([s.model, s.version, s.fingerprint?.model, s.fingerprint?.version], ['kronodroid_detector', '1', 'kronodroid_autoencoder', '1']);
    for (const m of [s, s.fingerprint!]) {
      assert.ok(m.alert_rate >= 0 && m.alert_rate <= 1 && m.reference_alert_rate >= 0 && m.reference_alert_rate <= 1, JSON.stringify(m));
      assert.ok(Math.abs(m.mean_shift - (m.mean - m.reference_mean)) < 1e-12);
    }
    // The training apps are the reference plus the held-out test months: the same population, nothing drifts.
    assert.equal(same.drifted, false, JSON.stringify(same.features.filter((f) => f.drifted).map((f) => [f.name, f.psi])));
    assert.ok(s.psi < 0.25 && !s.drifted, `score PSI ${s.psi}`);
    assert.equal(same.months.length, 6);
    // Every malware family of the file has apps in the training part.
    assert.deepEqual([same.families?.malware, same.families?.unseen], [120, 0]);
    assert.ok(same.months.every((m) => m.alert_rate !== null && m.score_psi !== null));
  });

  test('dfp drift on drifted apps: drifted features, score histograms and months as plots', () => {
    const dir = join(home, 'plots');
    const r = drift(['--data', drifted, '--plots', dir]);
    assert.equal(r.drifted, true);
    const names = new Set(r.features.filter((f) => f.drifted).map((f) => f.name));
    for (const f of ['read', 'write', 'INTERNET', 'CAMERA']) assert.ok(names.has(f), `${f} drifts`);
    // The drifted apps' malware is all of one family the detector never trained on.
    assert.deepEqual(r.families, { malware: 100, unseen: 100, share_unseen: 1, unseen_families: [{ name: 'Family', apps: 100 }] });
    assert.deepEqual(Object.keys(r.plots ?? {}).sort(), ['months', 'score-kronodroid_autoencoder', 'score-kronodroid_detector']);
    const svg = readFileSync(r.plots!['score-kronodroid_detector']!.svg, 'utf8');
    assert.match(svg, new RegExp(`${r.reference.rows} reference and 200 current apps`));
    assert.deepEqual([...readFileSync(r.plots!.months!.png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.match(readFileSync(r.plots!.months!.svg, 'utf8'), /2019-01.*2019-02.*2019-03/s);
    // The human report names the top drifted features and the alert rates.
    const human = runDfp(['drift', '--data', drifted], { DFP_HOME: home });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^DRIFTED: \d+ of 474 features/);
    assert.match(human.stdout, /top drifted features:/);
    assert.match(human.stdout, /malware of families unseen in the reference: 100 of 100 \(100\.0 %\): Family \(100\)/);
    assert.match(human.stdout, /kronodroid_detector\s+1\s+\d+\.\d{3}\s+-?\d+\.\d{4}\s+\d+\.\d %\s+\d+\.\d %/);
  });

  describe('dfp serve', () => {
    let server: RunningServer;
    const WINDOW = 50;
    before(async () => {
      server = await startServer(testConfig(['serve.poll_seconds=0', `drift.window=${WINDOW}`], home), { host: '127.0.0.1', port: 0, log: silentLogger });
    });
    after(() => server?.close());

    const get = async (url: string) => server.app.inject({ method: 'GET', url });
    const batch = async (items: unknown[]) => {
      const res = await server.app.inject({ method: 'POST', url: '/v1/score/batch', payload: items as object });
      assert.equal(res.statusCode, 200, res.body);
    };

    test('GET /v1/drift: 409 until 20 apps are scored; then the window against the detector\'s training data, as dfp drift prints it', async () => {
      const training = await appBodies(home, apps);
      await batch(training.slice(0, 10));
      const early = await get('/v1/drift');
      assert.equal(early.statusCode, 409, early.body);
      assert.match(early.json().error.message, /^10 app\(s\) scored by kronodroid_detector version 1 so far; drift needs at least 20/);

      const moved = await appBodies(home, drifted);
      await batch(moved.slice(0, 70));
      const res = await get('/v1/drift');
      assert.equal(res.statusCode, 200, res.body);
      const doc = res.json() as Doc;
      const cli = drift(['--data', drifted]);
      assert.deepEqual(Object.keys(doc).sort(), Object.keys(cli).filter((k) => k !== 'notes').sort(), 'the document of dfp drift --json');
      assert.deepEqual(doc.reference, { ...cli.reference, source: doc.reference.source });
      assert.match(doc.reference.source, /^models:\/kronodroid_detector\/1 training data/);
      // Count-based: the last WINDOW apps, all of them drifted ones.
      assert.deepEqual(doc.current, { source: 'serve:window', rows: WINDOW, commit: null });
      assert.equal(doc.drifted, true);
      const names = new Set(doc.features.filter((f) => f.drifted).map((f) => f.name));
      for (const f of ['read', 'write', 'INTERNET', 'CAMERA']) assert.ok(names.has(f), `${f} drifts in the window`);
      assert.deepEqual([doc.score?.model, doc.score?.fingerprint?.model], ['kronodroid_detector', 'kronodroid_autoencoder']);
      // The reference side of the scores is the same apps and models as the CLI's.
      assert.ok(Math.abs(doc.score!.reference_alert_rate - cli.score!.reference_alert_rate) < 1e-12);
      assert.ok(Math.abs(doc.score!.reference_mean - cli.score!.reference_mean) < 1e-6);
      assert.deepEqual([doc.months, doc.families], [[], null], 'requests carry no dates, labels or families');
    });

    test('/metrics: score and feature-summary histograms per model version, and the last drift check', async () => {
      const text = (await get('/metrics')).body;
      for (const [model, version] of [['kronodroid_detector', '1'], ['kronodroid_autoencoder', '1']]) {
        const labels = `model="${model}",version="${version}"`;
        for (const h of ['dfp_score', 'dfp_app_syscalls', 'dfp_app_permissions', 'dfp_app_missing_features']) {
          assert.match(text, new RegExp(`^${h}_count\\{${labels}\\} 80$`, 'm'), `${h} for ${model}`);
        }
      }
      // The drifted apps ask for CAMERA and not INTERNET; all 80 apps have every feature.
      assert.match(text, /^dfp_app_missing_features_bucket\{le="0",model="kronodroid_detector",version="1"\} 80$/m);
      assert.match(text, /^dfp_drift_drifted_features\{model="kronodroid_detector",version="1"\} [1-9]\d*$/m);
      assert.match(text, /^dfp_drift_score_psi\{model="kronodroid_autoencoder",version="1"\} \d/m);
    });
  });
});
