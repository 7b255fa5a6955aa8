// Profiles one dfp train step on the benchmark net with onnxruntime's profiler: kernel time per op type, per step.
// Usage: node --import tsx bench/train-engine/profile.ts [--threads N] [--steps N]
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainStep, names } from '../../src/core/ml/graph/mlp.ts';
import { initParams } from '../../src/core/ml/init.ts';
import { ort } from '../../src/engine/onnxruntime/index.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const threads = opt('--threads', 1);
const steps = opt('--steps', 200);

const built = buildTrainStep({ spec: { sizes: [480, 256, 64, 256, 480], activations: ['relu', 'relu', 'relu', 'linear'] }, loss: 'mse', batch: 256, autoencoder: true });
const prefix = join(tmpdir(), `dfp-train-profile-${process.pid}`);
const session = await ort.InferenceSession.create(built.bytes, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: prefix,
});
const params = initParams(built.params, 0);
const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', Float32Array.from({ length: 256 * 480 }, () => Math.random()), [256, 480]) };
built.params.forEach((p, i) => {
  feeds[names.param(p.name)] = new ort.Tensor('float32', params[i] as Float32Array, p.shape);
  feeds[names.m(p.name)] = new ort.Tensor('float32', new Float32Array((params[i] as Float32Array).length), p.shape);
  feeds[names.v(p.name)] = new ort.Tensor('float32', new Float32Array((params[i] as Float32Array).length), p.shape);
});
feeds.step = new ort.Tensor('float32', Float32Array.of(1), []);
feeds.lr = new ort.Tensor('float32', Float32Array.of(1e-3), []);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await session.run(feeds);
const wallMs = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
// The binding writes the profile when the session is released.
await session.release();

interface Ev { cat?: string; name: string; dur: number; args?: { op_name?: string } }
const file = (await import('node:fs')).readdirSync(tmpdir()).find((f) => f.startsWith(`dfp-train-profile-${process.pid}`));
if (!file) throw new Error('no profile written');
const events = JSON.parse(readFileSync(join(tmpdir(), file), 'utf8')) as Ev[];
rmSync(join(tmpdir(), file));
const runs = events.filter((e) => e.name === 'model_run').length;
const byOp = new Map<string, { us: number; n: number }>();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  const s = byOp.get(op) ?? { us: 0, n: 0 };
  s.us += e.dur;
  s.n += 1;
  byOp.set(op, s);
}
const total = [...byOp.values()].reduce((a, s) => a + s.us, 0) / runs;
console.log(`threads=${threads}: wall ${wallMs.toFixed(2)} ms/step, cpu ${((cpu.user + cpu.system) / 1000 / steps).toFixed(2)} ms/step, kernels ${(total / 1000).toFixed(2)} ms/step (profiling on)`);
for (const [op, s] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
  console.log(`  ${op.padEnd(12)} ${(s.us / runs).toFixed(0).padStart(6)} us/step  ${((100 * s.us) / runs / total).toFixed(1).padStart(5)}%  ${(s.n / runs).toFixed(0)} nodes`);
}
