// Finds the ONNX file behind `--model` (a file, a model directory, or a runs:/ / models:/ URI) and its preprocessing.json metadata.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DfpError } from '../core/errors.ts';
import { MODEL_FILES } from '../core/ml/models/metadata.ts';
import type { OnnxExportMetadata } from './onnx/export-onnx.ts';

/** The graph an export starts from, with what its metadata says about it. */
export interface ExportModel {
  onnxPath: string;
  /** From preprocessing.json beside the model, when there is one. */
  metadata: OnnxExportMetadata;
  /** The URI it came from, if any. */
  uri?: string;
}

/** Downloads a model URI into a local directory and returns the ONNX file path; provided by the caller (the tracking module). */
export type FetchModelUri = (uri: string) => Promise<string>;

export function isModelUri(s: string): boolean {
  return /^(runs|models):\//.test(s);
}

/**
 * Reads the sidecar metadata: threshold, feature names and their hash, model kind. Unknown or missing fields are left
 * out: an export takes any ONNX graph (a width other than KronoDroid's too), so this is not the scorers' strict parser.
 */
export function sidecarMetadata(onnxPath: string): OnnxExportMetadata {
  const p = join(dirname(onnxPath), MODEL_FILES.metadata);
  if (!existsSync(p)) return {};
  let m: { kind?: unknown; threshold?: unknown; input?: { feature_list_hash?: unknown }; preprocess?: { columns?: unknown } };
  try {
    m = JSON.parse(readFileSync(p, 'utf8')) as typeof m;
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${p} is not valid JSON (${(e as Error).message}); fix or remove it`);
  }
  const out: OnnxExportMetadata = {};
  if (typeof m.threshold === 'number') out.threshold = m.threshold;
  if (typeof m.input?.feature_list_hash === 'string') out.featureListHash = m.input.feature_list_hash;
  if (Array.isArray(m.preprocess?.columns) && m.preprocess.columns.every((c) => typeof c === 'string')) out.featureNames = m.preprocess.columns as string[];
  if (typeof m.kind === 'string') out.extra = { kind: m.kind };
  return out;
}

/** Resolves `--model`. URIs go through `fetchUri`, the one place model-URI resolution plugs in. */
export async function resolveExportModel(model: string, fetchUri?: FetchModelUri): Promise<ExportModel> {
  if (isModelUri(model)) {
    if (!fetchUri) throw new DfpError('USAGE', `'${model}' is a model URI but no tracking store is available to resolve it; pass a path to model.onnx or its directory`);
    const onnxPath = await fetchUri(model);
    return { onnxPath, metadata: sidecarMetadata(onnxPath), uri: model };
  }
  if (!existsSync(model)) throw new DfpError('NOT_FOUND', `model '${model}' does not exist; pass a .onnx file, a model directory holding ${MODEL_FILES.onnx}, or a runs:/ or models:/ URI`);
  const onnxPath = statSync(model).isDirectory() ? join(model, MODEL_FILES.onnx) : model;
  if (!existsSync(onnxPath)) throw new DfpError('NOT_FOUND', `directory '${model}' holds no ${MODEL_FILES.onnx}`);
  return { onnxPath, metadata: sidecarMetadata(onnxPath) };
}
