// Reads a dfp model directory (model.onnx + preprocessing.json) into a LoadedModel.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DfpError } from '../../core/errors.ts';
import { parseScoringMetadata } from '../../core/scoring/metadata.ts';
import type { LoadedModel, ModelRef } from '../../core/scoring/model-source.ts';

export const ONNX_FILE = 'model.onnx';
export const METADATA_FILE = 'preprocessing.json';

export function readModelDir(dir: string, ref: ModelRef, source: string): LoadedModel {
  const onnxPath = join(dir, ONNX_FILE);
  const metaPath = join(dir, METADATA_FILE);
  if (!existsSync(onnxPath)) throw new DfpError('NOT_FOUND', `${source}: no ${ONNX_FILE} in ${dir}; a served model needs ${ONNX_FILE} and ${METADATA_FILE}`);
  if (!existsSync(metaPath)) throw new DfpError('NOT_FOUND', `${source}: no ${METADATA_FILE} beside ${ONNX_FILE}; the server needs its threshold and error statistics`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${metaPath} is not valid JSON (${(e as Error).message})`);
  }
  return { ref, onnx: new Uint8Array(readFileSync(onnxPath)), metadata: parseScoringMetadata(json, source), source };
}
