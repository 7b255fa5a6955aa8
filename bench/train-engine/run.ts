// Benchmark: dfp's ONNX-runtime trainer vs PyTorch CPU on the 480-256-64-256-480 autoencoder (batch 256, MSE, Adam),
// 1 and 2 threads, side by side in one run; rewrites its dated section of bench/RESULTS.md.
// Usage: node --import tsx bench/train-engine/run.ts [--steps N] [--repeats N] [--warmup N] [--no-peer] [--no-write]
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cpuInfo, cpuKind, simdFlags } from '../lib/machine.ts';
import { RESULTS_FILE, writeSection } from '../lib/results.ts';
import { loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/ml/prng.ts';
import { ort } from '../../src/engine/onnxruntime/index.ts';
import { buildTrainStep } from '../../src/core/ml/graph/mlp.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { TrainStepRunner } from '../../src/train/step-runner.ts';

const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3'; // Debian's python3-torch installs for the system interpreter, not pyenv's
const SIZES = [480, 256, 64, 256, 480];
const BATCH = 256;
const K = 8; // steps per ORT run for dfp's stepMany() row
const REFERENCE_BLAS = '/usr/lib/x86_64-linux-gnu/blas'; // netlib libblas.so.3 from libblas3

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const STEPS = opt('--steps', 200); // a multiple of K
const REPEATS = opt('--repeats', 3);
const WARMUP = opt('--warmup', 40);
const CPU = cpuInfo();
// Results are kept per CPU kind: the same machine kind comes with CPUs whose GEMM kernels differ (AVX2 vs AVX-512).
const SECTION = `Training engine: 480-256-64-256-480 autoencoder on ${cpuKind(CPU)}`;
const THREADS = [1, 2].filter((t) => t <= CPU.cores);
if (STEPS % K !== 0 || WARMUP % K !== 0) throw new Error(`--steps and --warmup must be multiples of ${K}`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const k = (x: number): string => `${(x / 1000).toFixed(1)}k`;

type Runner = { run: () => Promise<number>; stop: () => Promise<void> };

/** A dfp trainer kept across repeats so its measurements interleave with the peer's. */
async function dfpRunner(threads: number, stepsPerRun: number): Promise<Runner> {
  const tr = await Trainer.create({
    spec: { sizes: SIZES, activations: ['relu', 'relu', 'relu', 'linear'] },
    loss: 'mse',
    batchSize: BATCH,
    autoencoder: true,
    lr: 1e-3,
    seed: 0,
    threads,
    stepsPerRun,
  });
  const r = mulberry32(1);
  // 16 random batches back to back; stepMany takes K consecutive ones as one view.
  const pool = Float32Array.from({ length: 16 * BATCH * 480 }, () => r());
  const batch = (i: number, n: number): Float32Array => pool.subarray((i % 16) * BATCH * 480, ((i % 16) + n) * BATCH * 480);
  let i = 0;
  const steps = async (n: number): Promise<void> => {
    for (let s = 0; s < n; s += stepsPerRun) {
      if (stepsPerRun === 1) await tr.step(batch(i, 1));
      else await tr.stepMany(batch(i, stepsPerRun)); // K divides 16, so K batches never wrap
      i += stepsPerRun;
    }
  };
  return timedRunner(steps, () => tr.release());
}

/** Warms up, then measures samples/s of STEPS steps per run. */
async function timedRunner(steps: (n: number) => Promise<void>, stop: () => Promise<void>): Promise<Runner> {
  await steps(WARMUP);
  return {
    run: async () => {
      const t0 = performance.now();
      await steps(STEPS);
      return (STEPS * BATCH) / ((performance.now() - t0) / 1000);
    },
    stop,
  };
}

/** The runner `dfp train` uses (src/train/step-runner.ts), one step per ORT call, on the same net. */
async function stepRunnerRunner(threads: number): Promise<Runner> {
  const built = buildTrainStep({ spec: { sizes: SIZES, activations: ['relu', 'relu', 'relu', 'linear'] }, loss: 'mse', batch: BATCH, autoencoder: true });
  const runner = await TrainStepRunner.create({ bytes: built.bytes, params: built.params, dropout: [] }, { seed: 0, lr: 1e-3, threads });
  const r = mulberry32(1);
  const pool = Float32Array.from({ length: 16 * BATCH * 480 }, () => r());
  let i = 0;
  const steps = async (n: number): Promise<void> => {
    for (let s = 0; s < n; s++, i++) await runner.step({ x: { data: pool.subarray((i % 16) * BATCH * 480, ((i % 16) + 1) * BATCH * 480), dims: [BATCH, 480] } });
  };
  return timedRunner(steps, () => runner.release());
}

function blasLibrary(): string {
  try {
    return realpathSync('/lib/x86_64-linux-gnu/libblas.so.3');
  } catch {
    return 'unknown';
  }
}

function aptInstall(pkg: string): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env });
}

/** Installs the peer if missing: Debian's PyTorch 1.13, and OpenBLAS so it does not run on netlib's reference BLAS. */
function ensurePeer(): string | undefined {
  const probe = (): string | undefined => {
    const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  };
  if (probe() === undefined) {
    console.error('PyTorch peer missing: installing Debian python3-torch ...');
    aptInstall('python3-torch');
  }
  // Debian's torch links the generic libblas.so.3 (reference BLAS, ~6 GFLOP/s here: a straw man). The OpenMP
  // flavour of OpenBLAS matches torch's own threading and takes over that alternative once installed.
  if (probe() !== undefined && !blasLibrary().includes('openblas')) {
    console.error('PyTorch peer would use reference BLAS: installing Debian libopenblas0-openmp ...');
    aptInstall('libopenblas0-openmp');
  }
  return probe();
}

/** The PyTorch peer as a long-lived child answering one measurement request per line. */
async function peerRunner(name: string, threads: number, env: Record<string, string>, steps = STEPS): Promise<Runner> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [join(here, 'torch_peer.py'), '--warmup', String(WARMUP)], {
    env: { ...process.env, ...env },
  });
  // Keep the end of the peer's stderr so a crash is reported with its own words.
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<string>((res) => {
    child.once('exit', (code, signal) => res(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) {
      const how = await exited;
      throw new Error(`${name} exited (${how})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    }
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  await next(); // ready
  return {
    run: async () => {
      child.stdin.write(`${JSON.stringify({ threads, steps })}\n`);
      return Number((await next()).rate);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.end();
      await exited;
    },
  };
}

function machine(): string {
  return `${CPU.cores} cores, ${cpuKind(CPU)} (SIMD flags: ${simdFlags(CPU)}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? '?'}`;
}

interface Row { name: string; threads: number; rates: number[]; failed?: string }

/** A contender to start, or the reason this machine cannot run it. */
type Contender = { name: string; start: () => Promise<Runner> } | { name: string; skip: string };

function peerContenders(t: number, version: string): Contender[] {
  const torch = `PyTorch ${version}`;
  const list: Contender[] = [{ name: `${torch}, OpenBLAS auto kernels`, start: () => peerRunner(`${torch}, OpenBLAS auto kernels`, t, {}) }];
  // Forcing OpenBLAS's SkylakeX kernels gives PyTorch AVX-512 GEMMs where the CPU has them; elsewhere it dies of SIGILL.
  const avx512 = `${torch}, OpenBLAS AVX-512 kernels`;
  list.push(CPU.flags.has('avx512f') ? { name: avx512, start: () => peerRunner(avx512, t, { OPENBLAS_CORETYPE: 'SkylakeX' }) } : { name: avx512, skip: 'this CPU has no avx512f flag' });
  const ref = `${torch}, Debian reference BLAS`;
  // What a bare `apt-get install python3-torch` runs on; slow, so fewer steps per measurement.
  list.push(existsSync(join(REFERENCE_BLAS, 'libblas.so.3'))
    ? { name: ref, start: () => peerRunner(ref, t, { LD_LIBRARY_PATH: REFERENCE_BLAS }, Math.max(8, STEPS / 8)) }
    : { name: ref, skip: `netlib's libblas3 is not installed (${REFERENCE_BLAS})` });
  return list;
}

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const peerVersion = args.includes('--no-peer') ? undefined : ensurePeer();
  if (!args.includes('--no-peer') && peerVersion === undefined) console.error('PyTorch peer unavailable: reporting dfp only');
  console.log(`CPU: ${cpuKind(CPU)}; SIMD flags: ${simdFlags(CPU)}; threads measured: ${THREADS.join(', ')}`);
  const rows: Row[] = [];
  const skipped: string[] = [];
  for (const t of THREADS) {
    const list: Contender[] = [
      { name: 'dfp, 1 step per run', start: () => dfpRunner(t, 1) },
      { name: `dfp, ${K} steps per run (stepMany)`, start: () => dfpRunner(t, K) },
      { name: 'dfp train\'s TrainStepRunner, 1 step per run', start: () => stepRunnerRunner(t) },
      ...(peerVersion === undefined ? [] : peerContenders(t, peerVersion)),
    ];
    const started: { row: Row; runner?: Runner }[] = [];
    for (const c of list) {
      if ('skip' in c) {
        if (t === THREADS[0]) skipped.push(`${c.name}: skipped, ${c.skip}`);
        console.log(`threads=${t} ${c.name}: skipped (${c.skip})`);
        continue;
      }
      const row: Row = { name: c.name, threads: t, rates: [] };
      try {
        started.push({ row, runner: await c.start() });
      } catch (e) {
        row.failed = (e as Error).message;
        started.push({ row });
      }
    }
    // Repeats go round-robin so load from other processes on the machine hits every contender alike; a contender
    // that fails is reported with its reason and the others go on.
    for (let r = 0; r < REPEATS; r++) {
      for (const s of started) {
        if (!s.runner || s.row.failed) continue;
        try {
          s.row.rates.push(await s.runner.run());
        } catch (e) {
          s.row.failed = (e as Error).message;
        }
      }
    }
    for (const s of started) await s.runner?.stop().catch(() => undefined);
    for (const { row } of started) {
      if (row.failed) console.log(`threads=${t} ${row.name}: FAILED (${row.failed})`);
      else console.log(`threads=${t} ${row.name}: ${k(median(row.rates))} samples/s (${row.rates.map(k).join(', ')})`);
      rows.push(row);
    }
  }

  const measured = rows.filter((r) => !r.failed && r.rates.length > 0);
  const best = (pred: (r: Row) => boolean): Row | undefined =>
    measured.filter(pred).reduce<Row | undefined>((a, r) => (a === undefined || median(r.rates) > median(a.rates) ? r : a), undefined);
  const ratioLines: string[] = [];
  // Targets (issue 11): dfp >= 1.5x PyTorch best vs best, and >= 1.2x at 1 thread, against the fastest PyTorch that ran.
  for (const [t, target] of [[1, 1.2], [0, 1.5]] as const) {
    const sameT = (r: Row) => t === 0 || r.threads === t;
    const d = best((r) => sameT(r) && r.name.startsWith('dfp'));
    const p = best((r) => sameT(r) && r.name.startsWith('PyTorch'));
    if (!d || !p) continue;
    const ratio = median(d.rates) / median(p.rates);
    const label = t === 0 ? 'best vs best (any thread count)' : `${t} thread`;
    const line = `${label}: dfp ${k(median(d.rates))} (${d.name}, ${d.threads} thr) vs PyTorch best ${k(median(p.rates))} (${p.name.replace(/^PyTorch \S+, /, '')}, ${p.threads} thr) = ${ratio.toFixed(2)}× (target ≥ ${target}×: ${ratio >= target ? 'met' : 'NOT met'})`;
    ratioLines.push(`- ${line}`);
    console.log(line);
  }
  for (const sk of skipped) console.log(sk);

  const section = [
    `Machine: ${machine()}; load average at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    `PyTorch peer: ${peerVersion ?? 'not run'} (${PYTHON}, libblas.so.3 → ${blasLibrary()}).`,
    `Net: ReLU hidden layers, linear output, MSE, Adam lr 1e-3, batch ${BATCH}, random data. Median of ${REPEATS} round-robin runs of ${STEPS} steps each after ${WARMUP} warm-up steps; samples/s, higher is better.`,
    '',
    '| threads | contender | samples/s (median) | runs |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.threads} | ${r.name} | ${r.failed ? 'failed' : k(median(r.rates))} | ${r.failed ? r.failed : r.rates.map(k).join(', ')} |`),
    '',
    ...ratioLines,
    ...(skipped.length ? ['', ...skipped.map((x) => `- ${x}`)] : []),
    '',
    "Peer: PyTorch 1.13 from Debian's python3-torch, on Debian's OpenBLAS with its own kernel choice ('auto kernels'); 'PyTorch best' is the fastest PyTorch row that ran at that thread count. Forcing OpenBLAS's SkylakeX kernels (OPENBLAS_CORETYPE) runs only where the CPU has AVX-512; netlib's reference BLAS is what a bare python3-torch install uses.",
    '',
  ].join('\n');
  if (args.includes('--no-write')) return;
  writeSection(SECTION, section);
  console.log(`written to ${RESULTS_FILE}`);
}

await main();
