// ModelSource over one local model directory (tests, air-gapped hosts): every alias resolves to it, and its
// version is a content hash, so replacing the files and reloading swaps the model.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { DfpError } from '../../core/errors.ts';
import type { LoadedModel, ModelListing, ModelRef, ModelSource } from '../../core/scoring/model-source.ts';
import { modelPaths, readModelDir } from '../model-dir.ts';

export class DirectoryModelSource implements ModelSource {
  readonly dir: string;
  readonly description: string;
  private readonly name: string;

  constructor(dir: string, name?: string) {
    this.dir = resolve(dir);
    this.name = name ?? basename(this.dir);
    this.description = `directory ${this.dir}`;
  }

  async resolve(): Promise<ModelRef> {
    const files = modelPaths(this.dir);
    if (!existsSync(files.onnx)) throw new DfpError('NOT_FOUND', `no ${basename(files.onnx)} in ${this.dir}; point serve.model_dir at a model directory`);
    const h = createHash('sha256').update(readFileSync(files.onnx));
    if (existsSync(files.metadata)) h.update(readFileSync(files.metadata));
    return { name: this.name, version: h.digest('hex').slice(0, 12) };
  }

  async load(ref: ModelRef): Promise<LoadedModel> {
    const m = readModelDir(this.dir, ref, this.dir);
    // The files may have changed between resolve and load; report what was actually read.
    return { ...m, ref: await this.resolve() };
  }

  async promote(): Promise<void> {
    throw new DfpError('USAGE', `the server reads a model directory (${this.dir}), which has no aliases; unset serve.model_dir to serve from the registry`);
  }

  async list(): Promise<ModelListing[]> {
    const ref = await this.resolve().catch(() => undefined);
    return ref ? [{ name: ref.name, aliases: {}, versions: [{ version: ref.version, aliases: [], created_at: null }] }] : [];
  }

  async close(): Promise<void> {}
}
