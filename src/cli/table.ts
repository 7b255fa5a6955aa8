/** @module Aligned text tables for human output; kept apart from the commands so importing it loads nothing heavy. */
import { toJson } from './context.ts';

const CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A value as one table cell: line breaks and tabs written as \n, \r, \t (KronoDroid package names end in a newline), cut at maxCell. */
export function cellText(v: unknown, maxCell = 40): string {
  // A date at midnight UTC is a DATE column's value: the time part would only add width.
  const date = (d: Date) => d.toISOString().replace(/T00:00:00\.000Z$/, '');
  const raw = v === null || v === undefined ? '' : v instanceof Date ? date(v) : typeof v === 'object' ? toJson(v) : String(v);
  const s = raw.replace(/[\n\r\t]/g, (c) => CONTROL[c] ?? c);
  return s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s;
}

/** Compact aligned text table; long cells are cut so one wide value does not wreck the layout. */
export function formatTable(headers: string[], rows: unknown[][], maxCell = 40): string {
  const text = [headers, ...rows.map((r) => r.map((v) => cellText(v, maxCell)))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** How many of `columns` (in order), as formatTable lays them out, fit in `width` characters; at least one. */
export function columnsThatFit(columns: string[], rows: Record<string, unknown>[], width: number, maxCell = 40): number {
  let used = 0;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    const w = Math.max(c.length, ...rows.map((r) => cellText(r[c], maxCell).length));
    used += (i === 0 ? 0 : 2) + w;
    if (used > width) return Math.max(1, i);
  }
  return columns.length;
}
