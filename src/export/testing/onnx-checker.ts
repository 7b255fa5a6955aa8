// Test support: runs onnx.checker (full_check) through the Python peer tests/interop/onnx/check_model.py; never used by the product.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const PEER = resolve(import.meta.dirname, '../../../tests/interop/onnx/check_model.py');
const PY = process.env.PYTHON ?? 'python3';
export const ONNX_PIP = "pip install 'onnx>=1.16'";

export function onnxAvailable(): string | true {
  const r = spawnSync(PY, ['-c', 'import onnx'], { encoding: 'utf8' });
  return r.status === 0 ? true : `the onnx Python package is not installed for ${PY} (${ONNX_PIP})`;
}

export interface CheckResult { ok: boolean; error?: string; opset?: number; ir_version?: number; metadata?: Record<string, string> }

export function checkOnnx(path: string): CheckResult {
  const r = spawnSync(PY, [PEER, path], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`onnx checker peer failed (${r.status}): ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout) as CheckResult;
}
