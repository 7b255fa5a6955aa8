/**
 * @module The KronoDroid schema contract: the one place that knows which columns exist, what they mean,
 * how they are typed, which may become model features and which must not (they leak the label).
 * Two layouts exist (see ../shared/kronodroid/README.md):
 * - official archives (real_legitimate_v1.csv …): dates `EarliestModDate`/`HighestModDate` (real device)
 *   or `FirstModDate`/`LastModDate` (emulator); `FilesInsideAPK` sometimes missing;
 * - the enhanced subset: `Highest-date`, `year_month`, `Year`, `Categories`.
 * The lake stores one normalised table shape for both, with the layout recorded on every row.
 */
import { PERMISSION_AGGREGATE_COLUMNS, PERMISSION_COLUMNS, SYSCALL_COLUMNS } from './columns.ts';

export { PERMISSION_AGGREGATE_COLUMNS, PERMISSION_COLUMNS, SYSCALL_COLUMNS };

/** Static app aggregates taken from the APK. `FilesInsideAPK` is absent from some archives. */
export const STATIC_AGGREGATE_COLUMNS = [
  'CFileSize', 'UFileSize', 'FilesInsideAPK', 'Activities', 'NrIntServices', 'NrIntServicesActions',
  'NrIntActivities', 'NrIntActivitiesActions', 'NrIntReceivers', 'NrIntReceiversActions', 'TotalIntentFilters', 'NrServices',
] as const;

export const OPTIONAL_STATIC_COLUMNS: readonly string[] = ['FilesInsideAPK'];

export const ID_COLUMNS = ['sha256', 'Package'] as const;
export const LABEL_COLUMN = 'Malware';
export const KEY_COLUMN = 'sha256';

/**
 * VirusTotal metadata: never a model feature. `Scanners`, `Detection_Ratio`, `MalFamily` and `Categories`
 * are derived from the label; `TimesSubmitted` and `NrContactedIps` come from outside the app's own
 * analysis and do not exist when a new app is fingerprinted.
 */
export const LEAKING_COLUMNS = ['Scanners', 'Detection_Ratio', 'MalFamily', 'Categories', 'TimesSubmitted', 'NrContactedIps'] as const;
/** Kept (not as features) for per-family and per-category reports. */
export const DESCRIPTIVE_COLUMNS = ['MalFamily', 'Categories'] as const;

/** Every date column of either layout. 1980-01-01 is the archives' sentinel for "unknown". */
export const DATE_COLUMNS = ['EarliestModDate', 'HighestModDate', 'FirstModDate', 'LastModDate', 'Highest-date', 'year_month'] as const;
export const DATE_SENTINEL = '1980-01-01';
/**
 * Date spellings found in the archives, tried in order (strptime patterns): ISO dates, ISO date-times,
 * US month/day/year, and year-month for `year_month`. Day/month/year is deliberately absent: it is
 * ambiguous with month/day/year.
 */
export const DATE_FORMATS: readonly string[] = [
  '%Y-%m-%d', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M', '%Y/%m/%d',
  '%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%Y-%m',
];

/**
 * SQL engines (DuckDB, Spark) treat identifiers case-insensitively, and KronoDroid has both the system
 * call `reboot` and the permission `REBOOT`. In the lake the permission is `REBOOT_PERMISSION`; sources
 * may name it `REBOOT` (the published header) or `REBOOT_1` (DuckDB's automatic de-duplication).
 */
export const PERMISSION_REBOOT_LAKE_NAME = 'REBOOT_PERMISSION';
export const SOURCE_ALIASES: Readonly<Record<string, string>> = { REBOOT: PERMISSION_REBOOT_LAKE_NAME, REBOOT_1: PERMISSION_REBOOT_LAKE_NAME };

/** The lake's name for a column as a source file spells it (exact case). */
export function lakeName(sourceColumn: string): string {
  return SOURCE_ALIASES[sourceColumn] ?? sourceColumn;
}

/** Columns added by ingestion to every row. */
export const LINEAGE_COLUMNS = ['_layout', '_source'] as const;

export type Layout = 'official-real' | 'official-emulator' | 'enhanced';

/** Non-negative integer counts: every dynamic and static feature. */
export const COUNT_COLUMNS: readonly string[] = [
  ...SYSCALL_COLUMNS,
  ...PERMISSION_COLUMNS.map(lakeName),
  ...PERMISSION_AGGREGATE_COLUMNS,
  ...STATIC_AGGREGATE_COLUMNS,
];

/** Features a model may see, in a fixed order (the order is part of every trained model). */
export const FEATURE_COLUMNS: readonly string[] = COUNT_COLUMNS;

/** Required in every layout; a file lacking any is refused whole. */
export const REQUIRED_COLUMNS: readonly string[] = [
  'Package',
  LABEL_COLUMN,
  ...COUNT_COLUMNS.filter((c) => !OPTIONAL_STATIC_COLUMNS.includes(c)),
  'sha256',
];

/**
 * What a scoring input carries besides the key and the features: label, dates, package, family. Never model
 * inputs and never required to score (the label of a new app is what nobody knows yet); passed through to the
 * output when present.
 */
export const PASSTHROUGH_COLUMNS: readonly string[] = ['Package', LABEL_COLUMN, 'MalFamily', 'Categories', ...DATE_COLUMNS, 'Year'];

/**
 * Columns a model needs in every input it scores: its feature columns, less the ones it fills itself when absent
 * (OPTIONAL_STATIC_COLUMNS). The one rule behind `dfp score` files and the API's request bodies alike.
 */
export function scoringRequiredColumns(modelColumns: readonly string[]): string[] {
  return modelColumns.filter((c) => !OPTIONAL_STATIC_COLUMNS.includes(c));
}

/** Columns each layout must add to the required ones. */
export const LAYOUT_DATE_COLUMNS: Record<Layout, readonly string[]> = {
  'official-real': ['EarliestModDate', 'HighestModDate'],
  'official-emulator': ['FirstModDate', 'LastModDate'],
  enhanced: ['Highest-date', 'year_month', 'Year'],
};

/** Header of the enhanced-subset layout, in its published order. */
export const ENHANCED_HEADER: readonly string[] = [
  'Package',
  LABEL_COLUMN,
  ...SYSCALL_COLUMNS,
  ...PERMISSION_COLUMNS,
  ...PERMISSION_AGGREGATE_COLUMNS,
  'sha256',
  'CFileSize', 'UFileSize', 'FilesInsideAPK', 'TimesSubmitted', 'NrContactedIps',
  ...STATIC_AGGREGATE_COLUMNS.slice(3),
  'Scanners', 'Detection_Ratio', 'MalFamily', 'Categories', 'Highest-date', 'year_month', 'Year',
];

/** Typed shape of a normalised lake row, column → SQL type, in table order. */
export const NORMALISED_COLUMNS: readonly { name: string; type: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'DATE' }[] = [
  { name: 'sha256', type: 'VARCHAR' },
  { name: 'Package', type: 'VARCHAR' },
  { name: LABEL_COLUMN, type: 'INTEGER' },
  ...SYSCALL_COLUMNS.map((name) => ({ name, type: 'BIGINT' as const })),
  ...PERMISSION_COLUMNS.map((name) => ({ name: lakeName(name), type: 'INTEGER' as const })),
  ...PERMISSION_AGGREGATE_COLUMNS.map((name) => ({ name, type: 'INTEGER' as const })),
  ...STATIC_AGGREGATE_COLUMNS.map((name) => ({ name, type: 'BIGINT' as const })),
  { name: 'TimesSubmitted', type: 'BIGINT' },
  { name: 'NrContactedIps', type: 'BIGINT' },
  { name: 'Scanners', type: 'BIGINT' },
  { name: 'Detection_Ratio', type: 'DOUBLE' },
  { name: 'MalFamily', type: 'VARCHAR' },
  { name: 'Categories', type: 'VARCHAR' },
  ...DATE_COLUMNS.map((name) => ({ name, type: 'DATE' as const })),
  { name: 'Year', type: 'INTEGER' },
  { name: '_layout', type: 'VARCHAR' },
  { name: '_source', type: 'VARCHAR' },
];

/** The lake table each layout lands in by default: one per capture device. */
export function defaultTableFor(layout: Layout): string {
  return layout === 'official-emulator' ? 'kronodroid_emulator' : 'kronodroid_real';
}

export interface LayoutDetection {
  layout: Layout;
  /** Required columns the header lacks (empty when the file is usable). */
  missing: string[];
  /** Header columns dfp does not know; kept out of the lake and reported. */
  unknown: string[];
}

/** Decides a file's layout from its header and lists what is missing. */
export function detectLayout(header: readonly string[]): LayoutDetection {
  const have = new Set(header.map((h) => lakeName(h.trim())));
  const layout: Layout = have.has('Highest-date') || have.has('year_month')
    ? 'enhanced'
    : have.has('FirstModDate') || have.has('LastModDate')
      ? 'official-emulator'
      : 'official-real';
  const required = [...REQUIRED_COLUMNS, ...LAYOUT_DATE_COLUMNS[layout]];
  const known = new Set(NORMALISED_COLUMNS.map((c) => c.name));
  return {
    layout,
    missing: required.filter((c) => !have.has(c)),
    unknown: [...have].filter((c) => !known.has(c)),
  };
}

/** True when a column must never be a model input. */
export function isLeaking(column: string): boolean {
  return (LEAKING_COLUMNS as readonly string[]).includes(column) || column === LABEL_COLUMN;
}
