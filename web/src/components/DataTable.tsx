// An accessible table: a caption, optional click/keyboard sorting by column, horizontal scroll on narrow screens.
import { type ReactNode, useMemo, useState } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  render?: (row: T) => ReactNode;
  /** Value to sort by; columns without one are not sortable. */
  sort?: (row: T) => number | string | null;
  numeric?: boolean;
}

export function DataTable<T>({ caption, columns, rows, rowKey, initialSort, empty = 'Nothing to show.' }: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T, i: number) => string;
  initialSort?: { key: string; desc: boolean };
  empty?: string;
}) {
  const [sort, setSort] = useState(initialSort);
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.key === sort?.key);
    if (!col?.sort || !sort) return rows;
    const get = col.sort;
    return [...rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === y) return 0;
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * (sort.desc ? -1 : 1);
    });
  }, [rows, columns, sort]);
  return (
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => {
              const active = sort?.key === c.key;
              const aria = active ? (sort.desc ? 'descending' : 'ascending') : 'none';
              return (
                <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={c.sort ? aria : undefined}>
                  {c.sort ? (
                    <button type="button" className="sort" onClick={() => setSort({ key: c.key, desc: active ? !sort.desc : true })}>
                      {c.label}
                      <span aria-hidden="true">{active ? (sort.desc ? ' ▼' : ' ▲') : ' ↕'}</span>
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {sorted.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          ) : (
            sorted.map((row, i) => (
              <tr key={rowKey(row, i)}>
                {columns.map((c) => (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.render ? c.render(row) : String((row as Record<string, unknown>)[c.key] ?? '')}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
