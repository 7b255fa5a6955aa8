// exportOnnx: writes the ONNX inference graph for ONNX Runtime (Mobile) with dfp's metadata_props, checked by loading it in onnxruntime.
import { DfpError } from '../../core/errors.ts';
import { type OnnxValue, readOnnxGraph, setMetadataProps } from '../../core/ml/export/index.ts';
import { type TensorInfo, writeArtifact } from '../files.ts';
import { openGraph } from '../../engine/onnxruntime/index.ts';
import { DFP_VERSION } from '../version.ts';

/** What goes into metadata_props; every key is optional except the dfp version, which is always written. */
export interface OnnxExportMetadata {
  /** sha256 of the ordered feature names (the input contract). */
  featureListHash?: string;
  /** Input column names in order; stored as a JSON array. */
  featureNames?: readonly string[];
  /** Scores at or above it are flagged as malware. */
  threshold?: number;
  /** Further string entries (kept as given). */
  extra?: Record<string, string>;
}

export interface OnnxExport {
  path: string;
  opset: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

/** metadata_props keys dfp writes; ORT exposes them as the session's custom metadata map. */
export const METADATA_KEYS = { featureListHash: 'feature_list_hash', featureNames: 'feature_names', threshold: 'threshold', version: 'dfp_version' } as const;

export function tensorInfo(v: OnnxValue): TensorInfo {
  return { name: v.name, dtype: v.dtype, shape: v.shape.map((d) => (typeof d === 'number' ? d : -1)) };
}

/** The model bytes with dfp's metadata set (other bytes unchanged). */
export function withMetadata(modelBytes: Uint8Array, m: OnnxExportMetadata = {}): Uint8Array {
  const props: Record<string, string> = { ...m.extra, [METADATA_KEYS.version]: DFP_VERSION };
  if (m.featureListHash !== undefined) props[METADATA_KEYS.featureListHash] = m.featureListHash;
  if (m.featureNames !== undefined) props[METADATA_KEYS.featureNames] = JSON.stringify(m.featureNames);
  if (m.threshold !== undefined) {
    if (!Number.isFinite(m.threshold)) throw new DfpError('USAGE', `threshold ${m.threshold} is not a finite number`);
    props[METADATA_KEYS.threshold] = String(m.threshold);
  }
  return setMetadataProps(modelBytes, props);
}

/** Writes `<outDir>/<name>.onnx`; fails before writing when onnxruntime cannot load the result. */
export async function exportOnnx(modelBytes: Uint8Array, outDir: string, opts: { name: string; metadata?: OnnxExportMetadata }): Promise<OnnxExport> {
  const g = readOnnxGraph(modelBytes);
  const featureNames = opts.metadata?.featureNames;
  const width = g.inputs[0]?.shape[1];
  if (featureNames && typeof width === 'number' && featureNames.length !== width) {
    throw new DfpError('INPUT_INVALID', `${featureNames.length} feature names given but the model input '${g.inputs[0]?.name}' has ${width} columns`);
  }
  const bytes = withMetadata(modelBytes, opts.metadata);
  await (await openGraph(bytes)).release();
  return { path: writeArtifact(outDir, opts.name, '.onnx', bytes), opset: g.opset, inputs: g.inputs.map(tensorInfo), outputs: g.outputs.map(tensorInfo) };
}
