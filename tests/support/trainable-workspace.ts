/**
 * @module A small workspace the single steps can train on (a self-made KronoDroid-shaped file, ingested and
 * transformed through the real binary), and `dfp serve` started on it and asked /readyz.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { DFP_BIN, runDfp } from './cli.ts';

/** Few epochs and a small network: these tests check registration and serving, not model quality. */
export const FAST_TRAIN = ['model.classifier.kind=mlp', 'train.epochs=4', 'train.patience=2', 'model.classifier.hidden=[8]', 'model.autoencoder.hidden=[8]'];

/** `dfp …args --json` in the workspace; throws with stderr when it fails. */
export function dfpJson<T = Record<string, unknown>>(args: string[], env: Record<string, string>): T {
  const r = runDfp([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`dfp ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as T;
}

/** A fresh workspace with 240 self-made apps over 6 months of 2019 ingested and transformed; returns DFP_HOME. */
export function trainableWorkspace(env: Record<string, string> = {}): string {
  const home = mkdtempSync(join(tmpdir(), 'dfp-trainable-'));
  const csv = writeTrainableCsv(home, 'apps.csv', 240, { families: 4 });
  dfpJson(['ingest', '--source', csv], { ...env, DFP_HOME: home });
  dfpJson(['transform'], { ...env, DFP_HOME: home });
  return home;
}

export interface Readiness {
  status: number;
  body: string;
  /** What `dfp serve` printed on stdout up to then. */
  greeting: string;
}

/** Starts `dfp serve` on a free port, asks GET /readyz once it listens, stops it. */
export async function readyz(env: Record<string, string>, overrides: string[] = []): Promise<Readiness> {
  const child = spawn(process.execPath, [DFP_BIN, 'serve', 'serve.port=0', 'serve.poll_seconds=0', ...overrides], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  try {
    const url = await new Promise<string>((ok, fail) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /listening on (\S+)\n/.exec(out);
        if (m?.[1]) ok(m[1]);
      });
      child.once('exit', (code) => fail(new Error(`dfp serve exited (${String(code)}) before listening: ${err}`)));
    });
    const r = await fetch(`${url}/readyz`);
    return { status: r.status, body: await r.text(), greeting: out };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

/**
 * trainableWorkspace with both production models, as `dfp run` leaves them: the autoencoder and the detector trained
 * and registered (kronodroid_autoencoder, kronodroid_detector, alias production). The apps are `<home>/apps.csv`.
 */
export function productionWorkspace(env: Record<string, string> = {}): { home: string; apps: string } {
  const home = trainableWorkspace(env);
  for (const model of ['autoencoder', 'classifier']) dfpJson(['train', `model=${model}`, '--register', ...FAST_TRAIN], { ...env, DFP_HOME: home });
  return { home, apps: join(home, 'apps.csv') };
}
