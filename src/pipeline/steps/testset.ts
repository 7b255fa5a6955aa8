// The test split of a data commit, exactly as `dfp train` cut it, loaded once per process and shared by the
// evaluate and register steps (candidate and production are scored on the same rows).
import type { DfpConfig } from '../../core/config/schema.ts';
import { engineOptions } from '../../engine/duckdb/connection.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { type Dataset, loadLakeDataset } from '../../train/data.ts';
import { splitRows, subset } from '../../train/split.ts';

const loaded = new Map<string, Promise<Dataset>>();

export function splitConfig(config: DfpConfig) {
  const tc = config.train;
  return { kind: tc.split, testFrom: tc.test_from, testMonths: tc.test_months, testFraction: tc.test_fraction, validationFraction: tc.validation_fraction, seed: tc.seed };
}

/** The training table of a data commit, read once per process (the evaluate, register and retrain-policy steps share it). */
export function lakeDataset(lake: ObjectLake, config: DfpConfig, commit: string): Promise<Dataset> {
  const id = `${lake.location}|${commit}|${config.train.table}`;
  let p = loaded.get(id);
  if (!p) {
    p = loadLakeDataset(lake, commit, config.train.table, engineOptions(config)).then((r) => r.data);
    loaded.set(id, p);
    p.catch(() => loaded.delete(id));
  }
  return p;
}

export async function testSet(lake: ObjectLake, config: DfpConfig, commit: string): Promise<Dataset> {
  const data = await lakeDataset(lake, config, commit);
  return subset(data, splitRows(data, splitConfig(config)).test);
}
