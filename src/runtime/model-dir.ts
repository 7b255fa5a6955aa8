// The one reader and writer of a dfp model directory (MODEL_FILES: model.onnx and preprocessing.json, the model card
// and plots beside them). Training writes it; tracking logs it; serve, the dashboard, `dfp score` and `dfp evaluate`
// read it here.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { MODEL_FILES, type ModelMetadata, parseModelMetadata } from '../core/ml/models/metadata.ts';
import type { LoadedModel, ModelRef } from '../core/scoring/model-source.ts';

/** The paths of a model directory's files. */
export function modelPaths(dir: string): { onnx: string; metadata: string; card: string; plots: string } {
  return { onnx: join(dir, MODEL_FILES.onnx), metadata: join(dir, MODEL_FILES.metadata), card: join(dir, MODEL_FILES.card), plots: join(dir, MODEL_FILES.plots) };
}

/** True when `dir` holds a model graph. */
export function isModelDir(dir: string): boolean {
  return existsSync(modelPaths(dir).onnx);
}

/** Reads and checks the graph and its metadata; `source` names the model in messages (a path, a models:/ URI). */
export function readModelDir(dir: string, ref: ModelRef, source = dir): LoadedModel {
  const p = modelPaths(dir);
  if (!existsSync(p.onnx)) throw new DfpError('NOT_FOUND', `${source}: no ${MODEL_FILES.onnx} in ${dir}; a dfp model directory holds ${MODEL_FILES.onnx} and ${MODEL_FILES.metadata}`);
  if (!existsSync(p.metadata)) throw new DfpError('NOT_FOUND', `${source}: no ${MODEL_FILES.metadata} beside ${MODEL_FILES.onnx}; scoring needs its threshold and preprocessing`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(p.metadata, 'utf8'));
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${p.metadata} is not valid JSON (${messageOf(e)})`, undefined, { cause: e });
  }
  return { ref, onnx: new Uint8Array(readFileSync(p.onnx)), metadata: parseModelMetadata(json, source), source };
}

/** Writes the graph and its metadata (the card and plots are written beside them by their own makers). */
export async function writeModelDir(dir: string, onnx: Uint8Array, metadata: ModelMetadata): Promise<{ onnx: string; metadata: string }> {
  const p = modelPaths(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(p.onnx, onnx);
  await writeFile(p.metadata, `${JSON.stringify(metadata, null, 1)}\n`);
  return { onnx: p.onnx, metadata: p.metadata };
}
