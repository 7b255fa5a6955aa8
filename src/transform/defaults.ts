// The shipped transform project (analytics/kronodroid at the repository root) and how config feeds it:
// data.table picks the lake table its raw source reads, so one project serves either capture.
import { resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { defaultTableFor } from '../core/kronodroid/schema.ts';

export const DEFAULT_PROJECT = resolve(import.meta.dirname, '../../analytics/kronodroid');

/** The source every model builds on; data.table says which lake table it is. */
export const RAW_SOURCE = 'kronodroid.raw';

/** Source-table overrides from config, for runTransform's sourceTables. */
export function sourceTablesFor(config: Pick<DfpConfig, 'data'>): Record<string, string> {
  return { [RAW_SOURCE]: config.data.table };
}

const EMULATOR = defaultTableFor('official-emulator');
const REAL = defaultTableFor('official-real');

/** runTransform's loadHint: the ingest that fills a missing table, or the capture that is there instead. */
export const ingestHint = (dataTable: string) => (missing: string, present: readonly string[]): string => {
  const load =
    missing === EMULATOR
      ? `load the emulator capture first: \`dfp ingest data=kronodroid_emulator\` (the public emulator archives) or \`dfp ingest --source <emulator-layout file>\` (FirstModDate/LastModDate columns)`
      : missing === REAL
        ? `load the real-device capture first: \`dfp ingest\` (data.source, by default the public real-device archives) or \`dfp ingest --source <real-device or enhanced file>\``
        : `load it first: \`dfp ingest --source <file> --table ${missing}\``;
  if (missing !== dataTable) return load;
  const other = [REAL, EMULATOR].find((t) => t !== missing && present.includes(t));
  const instead = other === undefined ? '' : `; or transform the ${other === EMULATOR ? 'emulator' : 'real-device'} capture that is there: \`dfp transform data=${other}\``;
  return `data.table is '${missing}'; ${load}${instead}`;
};
