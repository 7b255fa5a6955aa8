/** @module Aligned text tables for human output; kept apart from the commands so importing it loads nothing heavy. */
import { toJson } from './context.ts';

/** Compact aligned text table; long cells are cut so one wide value does not wreck the layout. */
export function formatTable(headers: string[], rows: unknown[][], maxCell = 40): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? toJson(v) : String(v);
    return s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s;
  };
  const text = [headers, ...rows.map((r) => r.map(cell))];
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] ?? '').length)));
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}
