// Benchmark: dfp's ONNX-runtime trainer vs PyTorch CPU on the 480-256-64-256-480 autoencoder (batch 256, MSE, Adam),
// 1 and 2 threads, side by side in one run; rewrites its dated section of bench/RESULTS.md.
// Usage: node --import tsx bench/train-engine/run.ts [--steps N] [--repeats N] [--warmup N] [--no-peer] [--no-write]
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { RESULTS_FILE, writeSection } from '../lib/results.ts';

const SECTION = 'Training engine: 480-256-64-256-480 autoencoder';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/core/ml/prng.ts';
import { ort } from '../../src/train/engine/session.ts';
import { Trainer } from '../../src/train/engine/trainer.ts';

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
const THREADS = [1, 2];
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
  await steps(WARMUP);
  return {
    run: async () => {
      const t0 = performance.now();
      await steps(STEPS);
      return (STEPS * BATCH) / ((performance.now() - t0) / 1000);
    },
    stop: () => tr.release(),
  };
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
async function peerRunner(threads: number, env: Record<string, string>, steps = STEPS): Promise<Runner> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [join(here, 'torch_peer.py'), '--warmup', String(WARMUP)], {
    env: { ...process.env, ...env },
  });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const r = await lines.next();
    if (r.done) throw new Error('PyTorch peer exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  await next(); // ready
  return {
    run: async () => {
      child.stdin.write(`${JSON.stringify({ threads, steps })}\n`);
      return Number((await next()).rate);
    },
    stop: async () => {
      child.stdin.end();
      await new Promise((res) => child.once('exit', res));
    },
  };
}

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  let family = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? model;
    const fam = /^cpu family\s*:\s*(\d+)$/m.exec(info)?.[1];
    const avx512 = /^flags\s*:.*\bavx512f\b/m.test(info);
    family = ` (family ${fam ?? '?'}${avx512 ? ', AVX-512' : ''})`;
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return `${cpus().length} cores, ${model}${family}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, onnxruntime-node ${ort.env.versions.node ?? '?'}`;
}

interface Row { name: string; threads: number; rates: number[] }

async function main(): Promise<void> {
  const loadAtStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const peerVersion = args.includes('--no-peer') ? undefined : ensurePeer();
  if (!args.includes('--no-peer') && peerVersion === undefined) console.error('PyTorch peer unavailable: reporting dfp only');
  const rows: Row[] = [];
  for (const t of THREADS) {
    const contenders: [string, Runner][] = [
      ['dfp, 1 step per run', await dfpRunner(t, 1)],
      [`dfp, ${K} steps per run (stepMany)`, await dfpRunner(t, K)],
    ];
    if (peerVersion !== undefined) {
      // OpenBLAS 0.3.21 picks its AVX2 "Haswell" kernels on this CPU; forcing SkylakeX gives PyTorch AVX-512 GEMMs.
      contenders.push([`PyTorch ${peerVersion}, OpenBLAS auto kernels`, await peerRunner(t, {})]);
      contenders.push([`PyTorch ${peerVersion}, OpenBLAS AVX-512 kernels`, await peerRunner(t, { OPENBLAS_CORETYPE: 'SkylakeX' })]);
      if (existsSync(join(REFERENCE_BLAS, 'libblas.so.3'))) {
        // What a bare `apt-get install python3-torch` runs on; slow, so fewer steps per measurement.
        const env = { LD_LIBRARY_PATH: REFERENCE_BLAS };
        contenders.push([`PyTorch ${peerVersion}, Debian reference BLAS`, await peerRunner(t, env, Math.max(8, STEPS / 8))]);
      }
    }
    const tRows = contenders.map(([name]) => ({ name, threads: t, rates: [] as number[] }));
    // Repeats go round-robin so load from other processes on the machine hits every contender alike.
    for (let r = 0; r < REPEATS; r++) {
      for (const [j, [, c]] of contenders.entries()) tRows[j]?.rates.push(await c.run());
    }
    for (const [, c] of contenders) await c.stop();
    for (const row of tRows) console.log(`threads=${t} ${row.name}: ${k(median(row.rates))} samples/s (${row.rates.map(k).join(', ')})`);
    rows.push(...tRows);
  }

  const best = (pred: (r: Row) => boolean): Row | undefined =>
    rows.filter(pred).reduce<Row | undefined>((a, r) => (a === undefined || median(r.rates) > median(a.rates) ? r : a), undefined);
  const ratioLines: string[] = [];
  for (const t of [...THREADS, 0]) {
    const sameT = (r: Row) => t === 0 || r.threads === t;
    const d = best((r) => sameT(r) && r.name.startsWith('dfp'));
    const p = best((r) => sameT(r) && r.name.includes('AVX-512'));
    const pAuto = best((r) => sameT(r) && r.name.includes('auto'));
    const pRef = best((r) => sameT(r) && r.name.includes('reference'));
    if (!d || !pAuto) continue;
    const label = t === 0 ? 'best vs best (any thread count)' : `${t} thread(s)`;
    // The issue's peer is Debian's python3-torch as installed (with Debian's OpenBLAS choosing its own kernels): the target
    // (>= 1.5x) is against that row; the hand-tuned AVX-512 peer and the reference-BLAS one are context.
    const vsPeer = median(d.rates) / median(pAuto.rates);
    const line = `${label}: dfp ${k(median(d.rates))} vs the issue's peer (Debian python3-torch + OpenBLAS, auto kernels) ${k(median(pAuto.rates))} = ${vsPeer.toFixed(2)}× (target ≥ 1.5×: ${vsPeer >= 1.5 ? 'met' : 'NOT met'}); ${p ? `vs PyTorch with OpenBLAS forced to AVX-512 (tuned beyond the stock package) ${(median(d.rates) / median(p.rates)).toFixed(2)}×` : ''}${pRef ? `; vs PyTorch on reference BLAS ${(median(d.rates) / median(pRef.rates)).toFixed(1)}×` : ''}`;
    ratioLines.push(`- ${line}`);
    console.log(line);
  }

  const section = [
    `Machine: ${machine()}; load average at start ${loadAtStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    `PyTorch peer: ${peerVersion ?? 'not run'} (${PYTHON}, libblas.so.3 → ${blasLibrary()}).`,
    `Net: ReLU hidden layers, linear output, MSE, Adam lr 1e-3, batch ${BATCH}, random data. Median of ${REPEATS} round-robin runs of ${STEPS} steps each after ${WARMUP} warm-up steps; samples/s, higher is better.`,
    '',
    '| threads | contender | samples/s (median) | runs |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.threads} | ${r.name} | ${k(median(r.rates))} | ${r.rates.map(k).join(', ')} |`),
    '',
    ...ratioLines,
    '',
    "Peer: the issue's table names PyTorch 1.13 from Debian's python3-torch. That package runs on whatever libblas.so.3 is installed: netlib's reference BLAS when bare (the last rows), Debian's OpenBLAS with its own kernel choice once libopenblas is installed (the 'auto kernels' rows, what the ≥ 1.5× target is read against). Forcing OpenBLAS's SkylakeX kernels (OPENBLAS_CORETYPE) is tuning beyond the stock package, reported for context.",
    '',
    'Notes: both engines are GEMM-bound here; onnxruntime\'s MLAS and OpenBLAS\'s AVX-512 kernels run these shapes at about the same rate, so against the tuned peer 1-thread results sit near parity. Other jobs on a shared machine show up as outlier runs (2-thread rows suffer most, spinning thread pools included); medians of round-robin runs keep the comparison fair but not quiet.',
    '',
  ].join('\n');
  if (args.includes('--no-write')) return;
  writeSection(SECTION, section);
  console.log(`written to ${RESULTS_FILE}`);
}

await main();
