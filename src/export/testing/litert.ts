// Test support: runs .tflite files through the Python LiteRT peer (tests/interop/litert/run_tflite.py); never used by the product.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { NamedArray } from '../../engine/onnxruntime/index.ts';

const PEER = resolve(import.meta.dirname, '../../../tests/interop/litert/run_tflite.py');
const PY = process.env.PYTHON ?? 'python3';
export const LITERT_PIP = "pip install 'ai-edge-litert>=2,<3'";

let available: string | true | undefined;
/** true, or why LiteRT cannot run here (the test then skips with that reason). */
export function litertAvailable(): string | true {
  if (available !== undefined) return available;
  const r = spawnSync(PY, ['-c', 'import ai_edge_litert.interpreter, numpy'], { encoding: 'utf8' });
  available = r.status === 0 ? true : `ai-edge-litert is not installed for ${PY} (${LITERT_PIP})`;
  return available;
}

export type Feeds = Record<string, { shape: number[]; data: Float32Array }>;
export interface LitertRun {
  model: string;
  inputs: Feeds;
  /** false: builtin reference kernels only; true (default): XNNPACK takes what it can, as on Android. */
  delegates?: boolean;
}
export interface LitertResult { outputs: NamedArray[]; ops: string[] }

function b64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Runs several models in one peer process (one interpreter import); batch sizes are resized to the rows. */
export function runLitertMany(runs: readonly LitertRun[]): LitertResult[] {
  const req = runs.map((r) => ({
    model: r.model,
    delegates: r.delegates ?? true,
    inputs: Object.fromEntries(Object.entries(r.inputs).map(([k, v]) => [k, { shape: v.shape, b64: b64(v.data) }])),
  }));
  const p = spawnSync(PY, [PEER], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (p.status !== 0) throw new Error(`LiteRT peer failed (${p.status}): ${p.stderr || p.stdout}`);
  const res = JSON.parse(p.stdout) as { outputs: { name: string; shape: number[]; b64: string }[]; ops: string[] }[];
  return res.map((r) => ({
    ops: r.ops,
    outputs: r.outputs.map((o) => {
      const buf = Buffer.from(o.b64, 'base64');
      return { name: o.name, shape: o.shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
    }),
  }));
}

export function runLitert(model: string, inputs: Feeds, opts: { delegates?: boolean } = {}): LitertResult {
  return runLitertMany([{ model, inputs, ...opts }])[0] as LitertResult;
}
