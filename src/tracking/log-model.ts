/**
 * @module logModel / fetchModel: write a run's model as a valid MLflow model directory (MLmodel with the
 * onnx and python_function flavours, a tensor signature, the ONNX file, preprocessing JSON, model card,
 * plots) through any backend, and bring a model back from a runs:/ or models:/ URI for scoring.
 */
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import YAML from 'yaml';
import { DfpError } from '../core/errors.ts';
import { decodeModel } from '../core/ml/index.ts';
import { MODEL_FILES } from '../core/ml/models/metadata.ts';
import {
  MODEL_ENV_FILES,
  type ModelSignature,
  type ModelVersion,
  type TensorDtype,
  type TensorSpec,
  type Tracking,
  mlModelYaml,
  registerModel,
  resolveModelUri,
} from '../core/tracking/index.ts';

export interface ModelFiles {
  /** The ONNX graph: a file path or its bytes. Stored as MODEL_FILES.onnx. */
  onnx: string | Uint8Array;
  /** Preprocessing metadata (feature order, scaling): a JSON file path or the object. Stored as MODEL_FILES.metadata. */
  preprocessing?: string | Record<string, unknown>;
  /** Model card: a Markdown file path. Stored as MODEL_FILES.card. */
  modelCard?: string;
  /** Plot files (PNG, SVG, HTML). Stored under MODEL_FILES.plots. */
  plots?: string[];
}

export interface LogModelOptions {
  /** Directory under the run's artifacts (default 'model'). */
  artifactPath?: string;
  /** Defaults to the ONNX graph's own inputs and outputs (free dimensions as -1). */
  signature?: ModelSignature;
  metadata?: Record<string, unknown>;
  /** Also register the logged model under this name. */
  registeredModelName?: string;
  description?: string;
  tags?: Record<string, string>;
}

export interface LoggedModel {
  runId: string;
  artifactPath: string;
  /** runs:/<run_id>/<artifactPath> */
  modelUri: string;
  files: string[];
  version?: ModelVersion;
}

const ELEM: Record<number, TensorDtype> = { 1: 'float32', 7: 'int64', 9: 'bool', 11: 'float64' };

interface DecodedValue {
  name: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}

/** Reads the graph's real inputs (not initializers) and outputs as tensor specs. */
export function signatureOf(onnx: Uint8Array): ModelSignature {
  const g = (decodeModel(onnx) as { graph?: { input?: DecodedValue[]; output?: DecodedValue[]; initializer?: { name: string }[] } }).graph ?? {};
  const init = new Set((g.initializer ?? []).map((t) => t.name));
  const spec = (v: DecodedValue): TensorSpec => {
    const tt = v.type?.tensor_type ?? {};
    const dtype = ELEM[tt.elem_type ?? 1];
    if (!dtype) throw new DfpError('INPUT_INVALID', `ONNX value '${v.name}' has element type ${tt.elem_type}, which an MLflow signature here cannot describe`);
    return { name: v.name, dtype, shape: (tt.shape?.dim ?? []).map((d) => (d.dim_value ? Number(d.dim_value) : -1)) };
  };
  return { inputs: (g.input ?? []).filter((v) => !init.has(v.name)).map(spec), outputs: (g.output ?? []).map(spec) };
}

function filesFromDir(dir: string): ModelFiles {
  const names = readdirSync(dir);
  const onnx = names.filter((n) => n.endsWith('.onnx'));
  if (onnx.length !== 1) throw new DfpError('INPUT_INVALID', `${dir} must hold exactly one .onnx file (found ${onnx.length})`);
  const pick = (...cands: string[]) => cands.map((c) => join(dir, c)).find((p) => existsSync(p));
  const plotsDir = join(dir, MODEL_FILES.plots);
  return {
    onnx: join(dir, onnx[0]!),
    preprocessing: pick(MODEL_FILES.metadata),
    modelCard: pick(MODEL_FILES.card, 'MODEL_CARD.md', 'README.md'),
    plots: existsSync(plotsDir) ? readdirSync(plotsDir).map((n) => join(plotsDir, n)) : names.filter((n) => /\.(png|svg|html)$/i.test(n)).map((n) => join(dir, n)),
  };
}

/** Writes the model directory locally, then logs it as the run's artifacts under artifactPath. */
export async function logModel(t: Tracking, runId: string, input: string | ModelFiles, opts: LogModelOptions = {}): Promise<LoggedModel> {
  const files: ModelFiles = typeof input === 'string' ? (statSync(input).isDirectory() ? filesFromDir(input) : { onnx: input }) : input;
  const artifactPath = opts.artifactPath ?? 'model';
  const stage = mkdtempSync(join(tmpdir(), 'dfp-model-'));
  try {
    const onnx = typeof files.onnx === 'string' ? readFileSync(files.onnx) : files.onnx;
    writeFileSync(join(stage, MODEL_FILES.onnx), onnx);
    if (files.preprocessing !== undefined) {
      if (typeof files.preprocessing === 'string') copyFileSync(files.preprocessing, join(stage, MODEL_FILES.metadata));
      else writeFileSync(join(stage, MODEL_FILES.metadata), `${JSON.stringify(files.preprocessing, null, 2)}\n`);
    }
    if (files.modelCard) copyFileSync(files.modelCard, join(stage, MODEL_FILES.card));
    if (files.plots?.length) {
      mkdirSync(join(stage, MODEL_FILES.plots));
      for (const p of files.plots) copyFileSync(p, join(stage, MODEL_FILES.plots, basename(p)));
    }
    for (const [name, text] of Object.entries(MODEL_ENV_FILES)) writeFileSync(join(stage, name), text);
    const signature = opts.signature ?? signatureOf(onnx);
    writeFileSync(join(stage, 'MLmodel'), mlModelYaml({ artifactPath, runId, signature, modelUuid: randomUUID().replace(/-/g, ''), metadata: opts.metadata }));
    await t.logArtifacts(runId, stage, artifactPath);
    const written = readdirSync(stage, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(stage.length + 1));
    const modelUri = `runs:/${runId}/${artifactPath}`;
    const version = opts.registeredModelName ? await registerModel(t, opts.registeredModelName, modelUri, { description: opts.description, tags: opts.tags }) : undefined;
    return { runId, artifactPath, modelUri, files: written.sort(), ...(version ? { version } : {}) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface FetchedModel {
  /** Local model directory (holds MLmodel and the MODEL_FILES). */
  dir: string;
  onnxPath: string;
  mlmodel: Record<string, unknown>;
  runId: string;
  version?: ModelVersion;
}

/** Downloads the model a URI points at (runs:/…, models:/name/3, models:/name@production, models:/name/Production). */
export async function fetchModel(t: Tracking, uri: string, destDir: string): Promise<FetchedModel> {
  const r = await resolveModelUri(t, async (id) => (await t.getRun(id)).info.artifactUri, uri);
  const dir = await t.downloadArtifacts(r.runId, r.artifactPath, destDir);
  const mlPath = join(dir, 'MLmodel');
  if (!existsSync(mlPath)) throw new DfpError('INPUT_INVALID', `${uri} (run ${r.runId}, ${r.artifactPath}) is not a model directory: no MLmodel file`);
  const mlmodel = YAML.parse(readFileSync(mlPath, 'utf8')) as Record<string, unknown>;
  const data = ((mlmodel.flavors as Record<string, { data?: string }> | undefined)?.onnx?.data ?? MODEL_FILES.onnx) as string;
  return { dir, onnxPath: join(dir, data), mlmodel, runId: r.runId, ...(r.version ? { version: r.version } : {}) };
}
