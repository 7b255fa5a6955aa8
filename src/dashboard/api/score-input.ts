// Turns the Score page's inputs (a JSON feature object, a CSV header + row, an online-store lookup) into one model row.
import { DfpError } from '../../core/errors.ts';
import { FEATURE_COLUMNS } from '../../core/kronodroid/schema.ts';

const INDEX = new Map(FEATURE_COLUMNS.map((c, i) => [c, i]));

export interface Row {
  x: Float32Array;
  missing: number;
  unknown: string[];
}

function toNumber(name: string, v: unknown): number {
  if (v === null || v === undefined || v === '') return NaN;
  const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : typeof v === 'string' ? Number(v.trim()) : NaN;
  if (Number.isNaN(n) && v !== null) throw new DfpError('INPUT_INVALID', `feature '${name}': '${String(v)}' is not a number`);
  return n;
}

/** Keys may be lake column names or the registry's `view:feature`; missing features stay NaN (the model fills them). */
export function rowFromObject(obj: Record<string, unknown>): Row {
  const x = new Float32Array(FEATURE_COLUMNS.length).fill(NaN);
  const unknown: string[] = [];
  const seen = new Set<number>();
  for (const [key, value] of Object.entries(obj)) {
    const name = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
    const j = INDEX.get(name);
    if (j === undefined) {
      unknown.push(key);
      continue;
    }
    x[j] = toNumber(key, value);
    if (!Number.isNaN(x[j])) seen.add(j);
  }
  return { x, missing: FEATURE_COLUMNS.length - seen.size, unknown };
}

/** Parses CSV records, honouring double quotes ("" is a quote; quoted fields may hold commas and newlines, as KronoDroid's Package does). */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cur = '';
  let quoted = false;
  const endRecord = () => {
    record.push(cur);
    cur = '';
    if (record.length > 1 || record[0] !== '') records.push(record);
    record = [];
  };
  for (let i = 0; i < text.length && records.length < maxRecords; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(cur);
      cur = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else cur += ch;
  }
  if (records.length < maxRecords && (cur !== '' || record.length)) endRecord();
  return records;
}

/** A CSV with a header line and at least one row (a KronoDroid export works as is); the first row is scored. */
export function rowFromCsv(text: string): { row: Row; fields: Record<string, string> } {
  const records = parseCsv(text, 2);
  if (records.length < 2) throw new DfpError('INPUT_INVALID', 'the CSV needs a header line and at least one row');
  const header = records[0]!.map((h) => h.trim());
  const values = records[1]!;
  if (values.length !== header.length) throw new DfpError('INPUT_INVALID', `the CSV header has ${header.length} columns but the first row has ${values.length}`);
  const fields = Object.fromEntries(header.map((h, i) => [h, values[i] ?? '']));
  const features = Object.fromEntries(Object.entries(fields).filter(([k]) => INDEX.has(k)));
  const row = rowFromObject(features);
  return { row: { ...row, unknown: [] }, fields };
}
