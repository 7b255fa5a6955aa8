/**
 * @module How each header column of an input file is read and checked: the bridge between a file's
 * header and the schema contract. Counts are parsed by DuckDB's CSV reader as DOUBLE (fast, and a
 * fraction stays visible instead of being silently rounded), text stays VARCHAR.
 */
import {
  COUNT_COLUMNS,
  DATE_COLUMNS,
  detectLayout,
  KEY_COLUMN,
  LABEL_COLUMN,
  type Layout,
  lakeName,
  NORMALISED_COLUMNS,
  scoringRequiredColumns,
} from '../core/kronodroid/schema.ts';
import { DfpError } from '../core/errors.ts';

export type ColumnKind = 'count' | 'number' | 'ratio' | 'label' | 'key' | 'package' | 'text' | 'date' | 'unknown';

export interface ColumnPlan {
  /** Position in the file, also the staging column name `c<index>`. */
  index: number;
  /** Name as the file spells it. */
  header: string;
  /** Name in the lake (schema contract), or the header name for unknown columns. */
  lake: string;
  kind: ColumnKind;
  /** Type the reader parses the field as. */
  readType: 'DOUBLE' | 'VARCHAR';
  /** Normalised SQL type (unknown columns: VARCHAR, never written). */
  lakeType: string;
}

export interface FilePlan {
  /** 'score': planned against a model's features for `dfp score`; an empty label is then unknown, not a bad row. */
  purpose: 'ingest' | 'score';
  layout: Layout;
  columns: ColumnPlan[];
  /** Lake column → plan, for the columns the file has. */
  byLake: Map<string, ColumnPlan>;
  unknown: string[];
}

const DATES = new Set<string>(DATE_COLUMNS);
const COUNTS = new Set(COUNT_COLUMNS);
const LAKE_TYPES = new Map(NORMALISED_COLUMNS.map((c) => [c.name, c.type]));
/** Optional integer metadata: may be empty, never negative-checked (not features). */
const NUMBERS = new Set(['TimesSubmitted', 'NrContactedIps', 'Scanners', 'Year']);

function kindOf(lake: string): ColumnKind {
  if (lake === LABEL_COLUMN) return 'label';
  if (lake === KEY_COLUMN) return 'key';
  if (lake === 'Package') return 'package';
  if (COUNTS.has(lake)) return 'count';
  if (NUMBERS.has(lake)) return 'number';
  if (lake === 'Detection_Ratio') return 'ratio';
  if (DATES.has(lake)) return 'date';
  return LAKE_TYPES.has(lake) && !lake.startsWith('_') ? 'text' : 'unknown';
}

/** What a file is planned against when it is to be scored rather than ingested. */
export interface ScoringContract {
  /** The model as messages name it, e.g. `models:/kronodroid_detector@production (classifier)`. */
  model: string;
  /** The model's feature columns (lake names). */
  features: readonly string[];
}

/** Names shown in a message before "… and N more"; the error's details carry them all. */
const LISTED = 10;

/**
 * Refuses (SCHEMA_MISMATCH) an input to be scored that lacks a column the model needs, naming the columns and the
 * model. `have`: the input's columns by lake name. Nothing else is required: no label, dates or package.
 */
export function requireScoringColumns(where: string, have: ReadonlySet<string>, c: ScoringContract): void {
  const missing = scoringRequiredColumns(c.features).filter((f) => !have.has(f));
  if (!missing.length) return;
  const n = missing.length;
  const list = `${missing.slice(0, LISTED).join(', ')}${n > LISTED ? `, … and ${n - LISTED} more` : ''}`;
  throw new DfpError(
    'SCHEMA_MISMATCH',
    `${where} lacks ${n === 1 ? 'the feature column' : `${n} feature columns`} ${list}, which ${c.model} needs to score it; nothing was scored (scoring needs sha256 and the model's features; label, dates and package are optional)`,
    { file: where, model: c.model, missing },
  );
}

/**
 * Plans a file from its header; refuses it whole (SCHEMA_MISMATCH) when required columns are missing: those of
 * its layout for an ingest, the model's features when `scoring` is given.
 */
export function planFile(fileName: string, header: readonly string[], scoring?: ScoringContract): FilePlan {
  const names = header.map((h) => h.trim());
  const seen = new Map<string, number>();
  const dupes: string[] = [];
  for (const n of names) {
    const key = lakeName(n).toLowerCase(); // SQL names are case-insensitive
    seen.set(key, (seen.get(key) ?? 0) + 1);
    if (seen.get(key) === 2) dupes.push(n);
  }
  if (dupes.length) {
    throw new DfpError('INPUT_INVALID', `${fileName}: header names repeated (ignoring case): ${dupes.join(', ')}; rename them so each column is unique`, { file: fileName, duplicates: dupes });
  }
  const detection = detectLayout(names);
  if (scoring) requireScoringColumns(fileName, new Set(names.map(lakeName)), scoring);
  else if (detection.missing.length) {
    throw new DfpError(
      'SCHEMA_MISMATCH',
      `${fileName} lacks required column${detection.missing.length > 1 ? 's' : ''} ${detection.missing.join(', ')} (layout ${detection.layout}); nothing was ingested`,
      { file: fileName, layout: detection.layout, missing: detection.missing },
    );
  }
  const columns = names.map((h, index): ColumnPlan => {
    const lake = lakeName(h);
    const kind = kindOf(lake);
    const numeric = kind === 'count' || kind === 'number' || kind === 'ratio';
    return { index, header: h, lake, kind, readType: numeric ? 'DOUBLE' : 'VARCHAR', lakeType: LAKE_TYPES.get(lake) ?? 'VARCHAR' };
  });
  const byLake = new Map(columns.filter((c) => c.kind !== 'unknown').map((c) => [c.lake, c]));
  return { purpose: scoring ? 'score' : 'ingest', layout: detection.layout, columns, byLake, unknown: columns.filter((c) => c.kind === 'unknown').map((c) => c.header) };
}
