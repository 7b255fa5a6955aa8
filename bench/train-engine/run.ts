// Benchmark: dfp's ONNX-runtime trainer vs PyTorch CPU on the 480-256-64-256-480 autoencoder (batch 256, MSE, Adam),
// 1 and 2 threads, in one run; appends a dated section to bench/RESULTS.md.
// Usage: node --import tsx bench/train-engine/run.ts [--steps N] [--repeats N] [--no-peer] [--no-write]
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/ml/prng.ts';
import { ort } from '../../src/train/engine/session.ts';
import { Trainer } from '../../src/train/engine/trainer.ts';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, '..', 'RESULTS.md');
const PYTHON = '/usr/bin/python3'; // Debian's python3-torch installs for the system interpreter, not pyenv's
const SIZES = [480, 256, 64, 256, 480];
const BATCH = 256;

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const STEPS = opt('--steps', 200);
const REPEATS = opt('--repeats', 3);
const WARMUP = opt('--warmup', 30);
const THREADS = [1, 2];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** A dfp trainer kept across repeats so its measurements interleave with the peer's. */
async function dfpBench(threads: number): Promise<{ run: () => Promise<number>; release: () => Promise<void> }> {
  const tr = await Trainer.create({
    spec: { sizes: SIZES, activations: ['relu', 'relu', 'relu', 'linear'] },
    loss: 'mse',
    batchSize: BATCH,
    autoencoder: true,
    lr: 1e-3,
    seed: 0,
    threads,
  });
  const r = mulberry32(1);
  const pool = Array.from({ length: 16 }, () => Float32Array.from({ length: BATCH * 480 }, () => r()));
  let i = 0;
  const steps = async (n: number): Promise<void> => {
    for (let s = 0; s < n; s++) await tr.step(pool[i++ % pool.length] as Float32Array);
  };
  await steps(WARMUP);
  return {
    run: async () => {
      const t0 = performance.now();
      await steps(STEPS);
      return (STEPS * BATCH) / ((performance.now() - t0) / 1000);
    },
    release: () => tr.release(),
  };
}

function ensurePeer(): string | undefined {
  const probe = (): string | undefined => {
    const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  let v = probe();
  if (v === undefined) {
    console.error('PyTorch peer missing: installing Debian python3-torch (PyTorch 1.13) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', 'python3-torch'], { stdio: 'inherit', env });
    v = probe();
  }
  // Debian's torch links the generic libblas.so.3; without OpenBLAS that is netlib's reference BLAS (~6 GFLOP/s),
  // a straw man. OpenBLAS (OpenMP flavour, matching torch's threading) takes over the alternative when installed.
  if (v !== undefined && !blasLibrary().includes('openblas')) {
    console.error('PyTorch peer uses reference BLAS: installing Debian libopenblas0-openmp ...');
    spawnSync('apt-get', ['install', '-y', '-qq', 'libopenblas0-openmp'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return v;
}

function blasLibrary(): string {
  try {
    return realpathSync('/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    return 'unknown';
  }
}

interface PeerReply { rate: number }

/** The PyTorch peer as a long-lived child answering one measurement request per line. */
async function startPeer(): Promise<{ run: (threads: number, foreach: boolean) => Promise<number>; stop: () => void }> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [join(here, 'torch_peer.py'), '--warmup', String(WARMUP)]);
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error('PyTorch peer exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  await next(); // ready
  return {
    run: async (threads, foreach) => {
      child.stdin.write(`${JSON.stringify({ threads, foreach, steps: STEPS })}\n`);
      return ((await next()) as unknown as PeerReply).rate;
    },
    stop: () => child.stdin.end(),
  };
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) model = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return `${cpus().length} cores, ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? '?'}`;
}

const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const peerVersion = args.includes('--no-peer') ? undefined : ensurePeer();
  if (!args.includes('--no-peer') && peerVersion === undefined) console.error('PyTorch peer unavailable: reporting dfp only');
  const peer = peerVersion === undefined ? undefined : await startPeer();
  const rows: string[] = [];
  const best = { dfp: 0, torch: 0 };
  for (const t of THREADS) {
    // Repeats alternate dfp / PyTorch so load from other processes on the machine hits both alike.
    const dfp = await dfpBench(t);
    const d: number[] = [];
    const tp: Record<'loop' | 'foreach', number[]> = { loop: [], foreach: [] };
    for (let r = 0; r < REPEATS; r++) {
      d.push(await dfp.run());
      if (peer) {
        tp.loop.push(await peer.run(t, false));
        tp.foreach.push(await peer.run(t, true));
      }
    }
    await dfp.release();
    const dm = median(d);
    best.dfp = Math.max(best.dfp, dm);
    let torchCell = 'n/a';
    let ratio = 'n/a';
    if (peer) {
      const loop = median(tp.loop);
      const fe = median(tp.foreach);
      const top = Math.max(loop, fe);
      best.torch = Math.max(best.torch, top);
      torchCell = `${k(top)} (Adam for-loop ${k(loop)}, foreach ${k(fe)})`;
      ratio = `${(dm / top).toFixed(2)}×`;
    }
    const spread = `${k(Math.min(...d))}–${k(Math.max(...d))}`;
    console.log(`threads=${t}: dfp ${k(dm)} samples/s (runs ${spread}), PyTorch ${torchCell}, ratio ${ratio}`);
    rows.push(`| ${t} | ${k(dm)} (${spread}) | ${torchCell} | ${ratio} |`);
  }
  peer?.stop();
  const bestRatio = best.torch > 0 ? best.dfp / best.torch : undefined;
  if (bestRatio !== undefined) console.log(`best vs best: dfp ${k(best.dfp)} / PyTorch ${k(best.torch)} = ${bestRatio.toFixed(2)}×`);

  const section = [
    `## Training engine: 480-256-64-256-480 autoencoder — ${new Date().toISOString()}`,
    '',
    `Machine: ${machine()}, load average at start ${loadAtStart}. PyTorch peer: ${peerVersion ?? 'not run'} (${PYTHON}, BLAS ${blasLibrary()}).`,
    `Net: ReLU hidden layers, linear output, MSE, Adam lr 1e-3, batch ${BATCH}, random data; median of ${REPEATS} interleaved runs × ${STEPS} steps after ${WARMUP} warm-up steps. Samples/s (higher is better).`,
    '',
    '| threads | dfp (onnxruntime) | PyTorch (best Adam mode) | dfp / PyTorch |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    bestRatio !== undefined ? `Best vs best: dfp ${k(best.dfp)} vs PyTorch ${k(best.torch)} = ${bestRatio.toFixed(2)}×.` : 'PyTorch peer not run.',
    '',
  ].join('\n');
  if (args.includes('--no-write')) return;
  if (!existsSync(RESULTS)) writeFileSync(RESULTS, '# Benchmark results\n\nSections are appended by the benchmark scripts; newest last.\n\n');
  appendFileSync(RESULTS, `${section}\n`);
  console.log(`appended to ${RESULTS}`);
}

await main();
