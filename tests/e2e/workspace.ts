// Builds the one workspace every e2e test reads: `dfp run` on real KronoDroid 2019 (lake, features, both models
// registered, exports), then two more short runs registered as MODEL v1/v2 for the promotion test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config/load.ts';
import { registerModel } from '../../src/core/tracking/index.ts';
import { openTracking } from '../../src/tracking/open.ts';
import { runDfp } from '../support/cli.ts';
import { REAL_2019 } from '../support/shared-data.ts';

export const MODEL = 'fingerprint';

export interface Workspace {
  home: string;
  ingestCommit: string;
  transformCommit: string;
  registryVersion: string;
  autoencoderRun: string;
  classifierRun: string;
  autoencoderF1: number;
  classifierF1: number;
  /** A malware app of the test months (for the Score page). */
  malwareSha: string;
  /** Step names of the `dfp run` that filled the workspace. */
  pipelineSteps: string[];
}

function dfp(home: string, args: string[]): Record<string, unknown> {
  const r = runDfp([...args, '--json'], { DFP_HOME: home });
  if (r.code !== 0) throw new Error(`dfp ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Builds (or reuses, when `<home>/e2e.json` says it is complete) the workspace at home. */
export async function buildWorkspace(home: string): Promise<Workspace> {
  const done = join(home, 'e2e.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as Workspace;
  mkdirSync(home, { recursive: true });
  const pipeline = dfp(home, ['run', '--source', REAL_2019, 'train.epochs=40']);
  // Re-running the steps changes nothing (same commits, same registry version); it returns their ids.
  const ingest = dfp(home, ['ingest', '--source', REAL_2019]);
  const transform = dfp(home, ['transform']);
  const applied = dfp(home, ['features', 'apply']);
  dfp(home, ['features', 'materialize']);
  // Short training keeps the suite quick; the numbers the tests assert are read back from the runs.
  const ae = dfp(home, ['train', 'model=autoencoder', 'train.epochs=40']);
  const clf = dfp(home, ['train', 'model=classifier', 'train.epochs=40']);
  const metrics = (r: Record<string, unknown>) => r.metrics as Record<string, number>;

  // `dfp train` does not register models (no `dfp run` yet): register and alias through the tracking API.
  const { config } = loadConfig({ env: { ...process.env, DFP_HOME: home } });
  const t = await openTracking(config);
  try {
    const v1 = await registerModel(t, MODEL, `runs:/${String(ae.run_id)}/model`, { description: 'autoencoder (e2e)' });
    const v2 = await registerModel(t, MODEL, `runs:/${String(clf.run_id)}/model`, { description: 'classifier (e2e)' });
    await t.setAlias(MODEL, 'production', v1.version);
    await t.setAlias(MODEL, 'candidate', v2.version);
  } finally {
    await t.close();
  }
  const malwareSha = pickMalware();
  const ws: Workspace = {
    home,
    ingestCommit: String(ingest.commit),
    transformCommit: String(transform.commit),
    registryVersion: String(applied.version),
    autoencoderRun: String(ae.run_id),
    classifierRun: String(clf.run_id),
    autoencoderF1: metrics(ae).f1 ?? NaN,
    classifierF1: metrics(clf).f1 ?? NaN,
    malwareSha,
    pipelineSteps: Object.keys(pipeline.steps as Record<string, unknown>),
  };
  writeFileSync(done, JSON.stringify(ws, null, 1));
  return ws;
}

/** The last malware row of the file (late 2019, so in the test months). */
function pickMalware(): string {
  const lines = readFileSync(REAL_2019, 'utf8').split('\n');
  const header = lines[0]!.split(',').map((h) => h.replaceAll('"', ''));
  const iSha = header.indexOf('sha256');
  const iMal = header.indexOf('Malware');
  for (let k = lines.length - 1; k > 0; k--) {
    const cells = lines[k]!.split(',');
    if (cells[iMal] === '1' && /^[0-9a-f]{64}$/i.test(cells[iSha] ?? '')) return cells[iSha]!.toLowerCase();
  }
  throw new Error(`no malware row in ${REAL_2019}`);
}
