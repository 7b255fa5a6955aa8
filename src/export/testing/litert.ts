// Test support: runs a .tflite file through the Python LiteRT peer (tests/interop/litert/run_tflite.py); never used by the product.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { NamedArray } from '../ort.ts';

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

function b64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Runs the model with LiteRT's Interpreter (batch resized to the rows); delegates: false = builtin kernels only, no XNNPACK. */
export function runLitert(modelPath: string, inputs: Record<string, { shape: number[]; data: Float32Array }>, opts: { delegates?: boolean } = {}): { outputs: NamedArray[]; ops: string[] } {
  const req = { model: modelPath, delegates: opts.delegates ?? true, inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, { shape: v.shape, b64: b64(v.data) }])) };
  const r = spawnSync(PY, [PEER], { input: JSON.stringify(req), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`LiteRT peer failed (${r.status}): ${r.stderr || r.stdout}`);
  const res = JSON.parse(r.stdout) as { outputs: { name: string; shape: number[]; b64: string }[]; ops: string[] };
  const outputs = res.outputs.map((o) => {
    const buf = Buffer.from(o.b64, 'base64');
    return { name: o.name, shape: o.shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)) };
  });
  return { outputs, ops: res.ops };
}
