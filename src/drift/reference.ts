/**
 * @module The reference a served model is compared with by default: the apps it was trained on. The model's run
 * (metadata.run_id) is looked up in tracking; its `data.commit` and `data.table` params (or, for runs logged
 * elsewhere, its `train` dataset input) name the lake commit and table it read; the rows are read from the lake at
 * that commit and narrowed to the apps the model learned from and was calibrated on (metadata.seen_sha256: the
 * train and validation parts, never the test months).
 */
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError, isDfpError, messageOf } from '../core/errors.ts';
import type { ModelMetadata } from '../core/ml/models/metadata.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { engineOptions } from '../engine/duckdb/connection.ts';
import { openLake } from '../lake/open.ts';
import { openTracking } from '../tracking/open.ts';
import { type Dataset, type DataSource, loadLakeDataset } from '../train/data.ts';
import { subset } from '../train/split.ts';

export interface TrainingData {
  data: Dataset;
  /** The lake read: commit, table, digest. */
  source: DataSource;
  run_id: string;
}

/** The lake commit and table a tracked run trained on. */
export async function trainingInput(tracking: Tracking, runId: string): Promise<{ commit: string; table: string }> {
  let run;
  try {
    run = await tracking.getRun(runId);
  } catch (e) {
    if (isDfpError(e) && e.code === 'NOT_FOUND') throw new DfpError('NOT_FOUND', `its training run ${runId} is not in ${tracking.location}`, { run_id: runId }, { cause: e });
    throw e;
  }
  const input = run.inputs.find((i) => i.context === 'train') ?? run.inputs[0];
  const commit = run.params['data.commit'] || input?.commit;
  const table = run.params['data.table'] || input?.table;
  if (!commit || !table) {
    throw new DfpError('NOT_FOUND', `its training run ${runId} records no training data (no data.commit / data.table params, no dataset input)`, { run_id: runId });
  }
  return { commit, table };
}

/**
 * The apps a model was trained on, read from the lake at its run's data commit. NOT_FOUND messages say what is missing
 * of the model ("its training run … is not in …"); callers put the model and their own way out in front.
 */
export async function trainingData(config: DfpConfig, metadata: ModelMetadata, tracking?: Tracking): Promise<TrainingData> {
  const runId = metadata.run_id;
  if (!runId) throw new DfpError('NOT_FOUND', 'it names no training run (metadata run_id)', {});
  const t = tracking ?? (await openTracking(config));
  let where;
  try {
    where = await trainingInput(t, runId);
  } finally {
    if (!tracking) await t.close();
  }
  const lake = await openLake(config);
  let loaded;
  try {
    loaded = await loadLakeDataset(lake, where.commit, where.table, engineOptions(config));
  } catch (e) {
    throw new DfpError('NOT_FOUND', `the training data of run ${runId} (table ${where.table} at lake commit ${where.commit.slice(0, 12)}) cannot be read: ${messageOf(e)}`, { run_id: runId, commit: where.commit }, { cause: e });
  } finally {
    await lake.close();
  }
  const seen = new Set(metadata.seen_sha256 ?? []);
  const data = seen.size === 0 ? loaded.data : subset(loaded.data, loaded.data.sha256.flatMap((s, i) => (seen.has(s) ? [i] : [])));
  return { data, source: loaded.source, run_id: runId };
}
