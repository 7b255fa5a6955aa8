// ModelSource over the tracking registry (embedded or MLflow): aliases of one registered model, fetched as models:/<name>/<version>.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DfpError, isDfpError } from '../../core/errors.ts';
import type { LoadedModel, ModelListing, ModelRef, ModelSource } from '../../core/scoring/model-source.ts';
import { promote } from '../../core/tracking/champion.ts';
import type { Tracking } from '../../core/tracking/types.ts';
import { fetchModel } from '../../tracking/log-model.ts';
import { readModelDir } from '../model-dir.ts';

export class RegistryModelSource implements ModelSource {
  readonly description: string;

  constructor(
    private readonly tracking: Tracking,
    private readonly name: string,
    /** Close the tracking store with the source (when the source opened it). */
    private readonly owned = true,
  ) {
    this.description = `registry ${tracking.location}, model '${name}'`;
  }

  async resolve(alias: string): Promise<ModelRef> {
    const v = await this.tracking.getVersionByAlias(this.name, alias);
    if (!v) {
      throw new DfpError('NOT_FOUND', `model '${this.name}' has no alias '${alias}' in ${this.tracking.location}; set it with \`dfp models promote ${this.name} <version> --alias ${alias}\` or POST /v1/admin/promote`);
    }
    return { name: this.name, version: v.version };
  }

  async load(ref: ModelRef): Promise<LoadedModel> {
    const uri = `models:/${ref.name}/${ref.version}`;
    const dest = mkdtempSync(join(tmpdir(), 'dfp-serve-'));
    try {
      const fetched = await fetchModel(this.tracking, uri, dest);
      return readModelDir(fetched.dir, ref, uri);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  }

  async promote(ref: ModelRef, alias: string): Promise<void> {
    if (ref.name !== this.name) throw new DfpError('USAGE', `this server serves model '${this.name}', not '${ref.name}'`);
    await promote(this.tracking, ref.name, ref.version, alias);
  }

  async list(): Promise<ModelListing[]> {
    try {
      const m = await this.tracking.getRegisteredModel(this.name);
      const versions = await this.tracking.listModelVersions(this.name);
      return [{ name: m.name, aliases: m.aliases, versions: versions.map((v) => ({ version: v.version, aliases: v.aliases, created_at: new Date(v.createdAt).toISOString() })) }];
    } catch (e) {
      if (isDfpError(e) && e.code === 'NOT_FOUND') return [];
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.owned) await this.tracking.close();
  }
}
