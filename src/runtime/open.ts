// Opens the model a user names on the command line: a model directory (or its model.onnx), a run id of this
// workspace, or a runs:/ or models:/ URI fetched from the tracking store.
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, messageOf } from '../core/errors.ts';
import { fetchModel, openTracking } from '../tracking/index.ts';
import { isModelDir } from './model-dir.ts';
import { Scorer } from './scorer.ts';

/** The scorer, and a cleanup that removes a downloaded copy (call it after closing the scorer). */
export async function openModel(config: DfpConfig, spec: string): Promise<{ model: Scorer; cleanup: () => Promise<void> }> {
  const none = async () => undefined;
  if (existsSync(spec)) {
    const dir = statSync(spec).isDirectory() ? spec : dirname(spec);
    return { model: await Scorer.load(resolve(dir)), cleanup: none };
  }
  const local = join(config.workspace, 'runs', spec, 'model');
  if (/^[\w-]+$/.test(spec) && isModelDir(local)) return { model: await Scorer.load(local), cleanup: none };
  const uri = /^(runs|models):\//.test(spec) ? spec : /^[\w-]+$/.test(spec) ? `runs:/${spec}/model` : undefined;
  if (!uri) throw new DfpError('NOT_FOUND', `--model '${spec}' is neither a run id, a model directory nor a runs:/ or models:/ URI`);
  const tracking = await openTracking(config);
  const tmp = join(config.workspace, 'tmp');
  await mkdir(tmp, { recursive: true });
  const dest = await mkdtemp(join(tmp, 'model-'));
  try {
    const fetched = await fetchModel(tracking, uri, dest);
    return { model: await Scorer.load(fetched.dir), cleanup: () => rm(dest, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dest, { recursive: true, force: true });
    if (e instanceof DfpError && e.code !== 'INTERNAL') throw e;
    throw new DfpError('NOT_FOUND', `model '${spec}' could not be loaded from ${tracking.location}: ${messageOf(e)}; pass a run id printed by \`dfp train\`, a model directory or a model URI`, { model: spec }, { cause: e });
  } finally {
    await tracking.close();
  }
}
