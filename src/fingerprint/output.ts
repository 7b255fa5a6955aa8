/**
 * @module Writes fingerprints as KronoDroid rows (the official real-device layout: `EarliestModDate`/`HighestModDate`),
 * which `dfp ingest` and `dfp score` read. Apps that could not be read are left out. `Malware` is the label given
 * (`--label`), empty otherwise; the system-call columns are empty for an app without a trace: such a row is not a
 * complete KronoDroid row, and `dfp ingest` quarantines it (non_numeric) rather than store zeros nobody measured.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { DfpError } from '../core/errors.ts';
import { LABEL_COLUMN, PERMISSION_AGGREGATE_COLUMNS, PERMISSION_COLUMNS, STATIC_AGGREGATE_COLUMNS, SYSCALL_COLUMNS, lakeName } from '../core/kronodroid/schema.ts';
import type { AppFingerprint } from './fingerprint.ts';

/** Header of the rows written, in the official real-device order (the permission REBOOT under its lake name). */
export const FINGERPRINT_HEADER: readonly string[] = [
  'Package', LABEL_COLUMN, ...SYSCALL_COLUMNS, ...PERMISSION_COLUMNS.map(lakeName), ...PERMISSION_AGGREGATE_COLUMNS,
  'sha256', ...STATIC_AGGREGATE_COLUMNS, 'EarliestModDate', 'HighestModDate',
];

export type Label = 0 | 1 | undefined;

function field(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The apps as CSV text (header included). */
export function toCsv(apps: readonly AppFingerprint[], label: Label): string {
  const lines = [FINGERPRINT_HEADER.join(',')];
  for (const a of apps) {
    if (a.error || !a.features || a.sha256 === undefined) continue;
    const row = FINGERPRINT_HEADER.map((h) => (h === 'Package' ? a.package : h === LABEL_COLUMN ? label : h === 'sha256' ? a.sha256 : a.features![h]));
    lines.push(row.map(field).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Rows written to `out` (.csv or .parquet): the file appears whole or not at all. */
export async function writeRows(apps: readonly AppFingerprint[], out: string, label: Label): Promise<number> {
  const rows = apps.filter((a) => !a.error && a.features && a.sha256 !== undefined).length;
  const csv = toCsv(apps, label);
  if (/\.csv$/i.test(out)) {
    writeFileSync(`${out}.tmp`, csv);
    renameSync(`${out}.tmp`, out);
    return rows;
  }
  if (!/\.parquet$/i.test(out)) throw new DfpError('USAGE', `--out must end in .csv or .parquet: ${out}`);
  const { openDuckDb, ident, literal } = await import('../engine/duckdb/connection.ts');
  const conn = await openDuckDb();
  const tmpCsv = `${out}.tmp.csv`;
  try {
    writeFileSync(tmpCsv, csv);
    const types = FINGERPRINT_HEADER.map((h) => `${literal(h)}: '${h === 'Package' || h === 'sha256' ? 'VARCHAR' : h.endsWith('ModDate') ? 'DATE' : h === LABEL_COLUMN ? 'INTEGER' : 'BIGINT'}'`);
    const cols = FINGERPRINT_HEADER.map(ident).join(', ');
    await conn.run(`COPY (SELECT ${cols} FROM read_csv(${literal(tmpCsv)}, header=true, columns={${types.join(', ')}})) TO ${literal(`${out}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`);
    renameSync(`${out}.tmp`, out);
    return rows;
  } finally {
    conn.closeSync();
    rmSync(tmpCsv, { force: true });
    rmSync(`${out}.tmp`, { force: true });
  }
}
