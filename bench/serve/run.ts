// Scoring API load benchmark: dfp serve vs a bare Fastify ceiling vs the seed's FastAPI + uvicorn + PyTorch stack,
// same network and body, autocannon at concurrency 32, one after another in one run, loopback only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { formatRate, markdownTable, writeSection } from '../lib/results.ts';
import { appBody, sampleRows, writeSampleModel } from '../../src/serve/testing/model.ts';
import { compareValidators } from './validators.ts';
import { exportWeights } from './weights.ts';
import { freePort } from '../../src/testing/free-port.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const WORK = join(ROOT, 'bench/.work/serve');
const SECONDS = Number(process.env.DFP_BENCH_SECONDS ?? 20);
const CONNECTIONS = 32;
const PY = '/usr/bin/python3';

function ensurePeerDeps(): void {
  const has = (m: string) => {
    try {
      execFileSync(PY, ['-c', `import ${m}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const missing = [['fastapi', 'python3-fastapi'], ['uvicorn', 'python3-uvicorn'], ['torch', 'python3-torch']].filter(([m]) => !has(m!));
  if (missing.length === 0) return;
  console.log(`installing ${missing.map((m) => m[1]).join(' ')} (Debian packages)`);
  execFileSync('apt-get', ['install', '-y', '-q', ...missing.map((m) => m[1]!)], { stdio: 'inherit' });
}

async function waitFor(url: string, body: string, child: ChildProcess, what: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (r.status === 200) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer 200 within 60 s`);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
}

async function load(url: string, body: string): Promise<Load> {
  // A short warm-up (JIT, connection setup), then the measured run.
  await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: CONNECTIONS, duration: SECONDS });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, total: r.requests.total };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

async function main(): Promise<void> {
  ensurePeerDeps();
  mkdirSync(WORK, { recursive: true });
  // A colleague's trained model directory when given; otherwise a model of the trained autoencoder's shape.
  let modelDir = process.env.DFP_BENCH_MODEL_DIR;
  let modelNote = `trained model ${modelDir}`;
  if (!modelDir || !existsSync(join(modelDir, 'model.onnx'))) {
    modelDir = join(WORK, 'model');
    await writeSampleModel(modelDir, { hidden: [256], latent: 64, seed: 11 });
    modelNote = 'generated model of the trained shape: 474-256-64-256-474 autoencoder (ReLU) with in-graph preprocessing, per-feature error output';
  }
  const weightsFile = join(WORK, 'weights.json');
  exportWeights(modelDir, weightsFile);
  const body = JSON.stringify(appBody(sampleRows(1, 77)));

  const validators = compareValidators(JSON.parse(body) as Record<string, unknown>);

  const ports = { dfp: await freePort(), bare: await freePort(), peer: await freePort() };
  const env = { ...process.env, DFP_HOME: join(WORK, 'ws'), DFP_LOG__LEVEL: 'error' };
  const children: ChildProcess[] = [];
  const results: Record<string, Load> = {};
  let batchNote: string;
  let parity: string;
  try {
    const dfp = spawn(process.execPath, [join(ROOT, 'bin/dfp.js'), 'serve', '--port', String(ports.dfp), `serve.model_dir=${modelDir}`, 'serve.poll_seconds=0'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const bare = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/serve/bare.ts'), String(ports.bare)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const peer = spawn(PY, [join(ROOT, 'bench/serve/fastapi_peer.py'), weightsFile, String(ports.peer)], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(dfp, bare, peer);
    const url = (p: number) => `http://127.0.0.1:${p}/v1/score`;
    await waitFor(url(ports.dfp), body, dfp, 'dfp serve');
    await waitFor(url(ports.bare), body, bare, 'bare Fastify');
    await waitFor(url(ports.peer), body, peer, 'FastAPI peer');

    const score = async (p: number) => ((await (await fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json' }, body })).json()) as { score: number; top_features: { name: string }[] });
    const [a, b] = [await score(ports.dfp), await score(ports.peer)];
    parity = `Same network on both sides: dfp score ${a.score.toPrecision(7)}, PyTorch peer ${b.score.toPrecision(7)} (relative difference ${(Math.abs(a.score - b.score) / Math.abs(b.score)).toExponential(1)}); top features ${a.top_features.map((f) => f.name).join(', ') === b.top_features.map((f) => f.name).join(', ') ? 'agree' : 'differ'}.`;

    for (const [name, port] of [['dfp serve', ports.dfp], ['bare Fastify (validate + constant)', ports.bare], ['FastAPI + uvicorn + PyTorch', ports.peer]] as const) {
      console.log(`loading ${name} for ${SECONDS} s at concurrency ${CONNECTIONS}…`);
      results[name] = await load(url(port), body);
      console.log(JSON.stringify(results[name]));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${ports.dfp}/metrics`)).text();
    const sum = Number(/dfp_micro_batch_rows_sum (\S+)/.exec(metrics)?.[1] ?? NaN);
    const count = Number(/dfp_micro_batch_rows_count (\S+)/.exec(metrics)?.[1] ?? NaN);
    batchNote = `dfp ran ${count} onnxruntime calls for ${sum} rows (mean micro-batch ${(sum / count).toFixed(1)} rows).`;
  } finally {
    await Promise.all(children.map(stop));
  }

  const dfp = results['dfp serve']!;
  const bare = results['bare Fastify (validate + constant)']!;
  const peer = results['FastAPI + uvicorn + PyTorch']!;
  const rows = Object.entries(results).map(([name, r]) => [name, formatRate(r.rps), r.p50, r.p99, r.total, r.non2xx + r.errors]);
  const vsPeer = dfp.rps / peer.rps;
  const p99Ratio = dfp.p99 / peer.p99;
  const ofCeiling = dfp.rps / bare.rps;
  const ok = (b: boolean) => (b ? 'met' : '**not met**');
  const bodyText = `POST /v1/score with one app (474 raw features, ${body.length} bytes of JSON), autocannon, ${CONNECTIONS} connections, ${SECONDS} s each after a 2 s warm-up, servers one after another in this run; each server is one process (dfp: onnxruntime 1 intra-op thread; PyTorch: 1 thread, uvicorn 1 worker). Model: ${modelNote}.

${markdownTable(['server', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'errors + non-2xx'], rows)}

- dfp vs FastAPI peer: **${vsPeer.toFixed(1)}×** the requests per second (target ≥ 8×: ${ok(vsPeer >= 8)}), p99 **${(p99Ratio * 100).toFixed(0)} %** of the peer's (target ≤ 33 %: ${ok(p99Ratio <= 1 / 3)}).
- dfp vs the bare Fastify ceiling: **${(ofCeiling * 100).toFixed(0)} %** (target ≥ 75 %: ${ok(ofCeiling >= 0.75)}).
- ${batchNote}
- ${parity}
- Request validation, one app (474 features): hand-rolled single pass ${validators.handRolledNs.toFixed(0)} ns vs ajv-compiled schema + row copy ${validators.ajvNs.toFixed(0)} ns; dfp uses the ${validators.handRolledNs <= validators.ajvNs ? 'hand-rolled validator' : 'hand-rolled validator for its field-naming errors (ajv was faster here)'}.
- The load generator shares the machine's 2 cores with the server under test, so all three figures are bounded by it alike.`;
  writeSection('Scoring API', bodyText);
  console.log(bodyText);
}

await main();
