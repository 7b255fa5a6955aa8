/**
 * @module The MLmodel file of a logged model (pure): the `onnx` flavour plus `python_function` through
 * mlflow.onnx, and a tensor signature, so MLflow's own clients can load and score what dfp logs.
 */
import YAML from 'yaml';
import { MODEL_FILES } from '../ml/models/metadata.ts';

export type TensorDtype = 'float32' | 'float64' | 'int64' | 'bool';

export interface TensorSpec {
  name?: string;
  dtype: TensorDtype;
  /** -1 for a free dimension (the batch). */
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** The usual dfp signature: float32 rows of n features in, the model's outputs out. */
export function tensorSignature(nFeatures: number, outputs: TensorSpec[], inputName = 'x'): ModelSignature {
  return { inputs: [{ name: inputName, dtype: 'float32', shape: [-1, nFeatures] }], outputs };
}

export interface MlModelOptions {
  runId?: string;
  artifactPath: string;
  signature?: ModelSignature;
  /** File name of the ONNX graph inside the model directory. */
  onnxFile?: string;
  /** onnx Python package version the file is readable by (MLflow records it; informational). */
  onnxVersion?: string;
  providers?: string[];
  modelUuid: string;
  createdAt?: Date;
  metadata?: Record<string, unknown>;
}

// MLflow stores each schema as a JSON string inside the YAML.
function schemaJson(specs: TensorSpec[]): string {
  return JSON.stringify(specs.map((s) => ({ type: 'tensor', 'tensor-spec': { dtype: s.dtype, shape: s.shape }, ...(s.name ? { name: s.name } : {}) })));
}

export function mlModelYaml(o: MlModelOptions): string {
  const data = o.onnxFile ?? MODEL_FILES.onnx;
  const doc: Record<string, unknown> = {
    artifact_path: o.artifactPath,
    flavors: {
      onnx: { code: null, data, onnx_version: o.onnxVersion ?? '1.17.0', providers: o.providers ?? ['CPUExecutionProvider'] },
      python_function: {
        data,
        env: { virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: '3.11',
      },
    },
    model_uuid: o.modelUuid,
    ...(o.runId ? { run_id: o.runId } : {}),
    ...(o.signature ? { signature: { inputs: schemaJson(o.signature.inputs), outputs: schemaJson(o.signature.outputs), params: null } } : {}),
    utc_time_created: (o.createdAt ?? new Date()).toISOString().replace('T', ' ').replace('Z', ''),
    ...(o.metadata ? { metadata: o.metadata } : {}),
  };
  return YAML.stringify(doc);
}

/** Environment files MLflow expects next to MLmodel (used by `mlflow models serve`, not by loading). */
export const MODEL_ENV_FILES: Record<string, string> = {
  'python_env.yaml': 'python: 3.11\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n',
  'requirements.txt': 'mlflow\nonnx\nonnxruntime\n',
};
