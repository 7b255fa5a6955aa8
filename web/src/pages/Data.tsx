// Data: lake branches and tags, the commit log with metadata, a diff between two refs, a paged table preview and the last ingest's quarantine.
import { useState } from 'react';
import type { CommitSummary, Quarantine, RefRow, TablePage } from '../../../src/dashboard/types.ts';
import type { LakeDiffView } from '../types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { int, short, when } from '../format.ts';

const q = (o: Record<string, string | number>) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, String(v)])).toString();

function Diff({ commits }: { commits: CommitSummary[] }) {
  const [from, setFrom] = useState(commits[1]?.id ?? commits[0]?.id ?? '');
  const [to, setTo] = useState(commits[0]?.id ?? '');
  const [asked, setAsked] = useState<{ from: string; to: string } | null>(commits.length > 1 ? { from, to } : null);
  const state = useApi<LakeDiffView>(asked ? `/api/ui/lake/diff?${q(asked)}` : null);
  return (
    <section aria-labelledby="diff-h">
      <h2 id="diff-h">Diff between two refs</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked({ from: from.trim(), to: to.trim() });
        }}
      >
        <label>
          From <input value={from} onChange={(e) => setFrom(e.target.value)} list="refs" size={16} required />
        </label>
        <label>
          To <input value={to} onChange={(e) => setTo(e.target.value)} list="refs" size={16} required />
        </label>
        <button type="submit">Compare</button>
      </form>
      {asked && (
        <Async state={state} what="the diff">
          {(d) => (
            <DataTable
              caption={`Tables changed from ${short(d.from)} to ${short(d.to)}`}
              rows={d.tables}
              rowKey={(t) => t.table}
              columns={[
                { key: 'table', label: 'Table' },
                { key: 'status', label: 'Status', render: (t) => <span className={`badge ${t.status}`}>{t.status}</span> },
                { key: 'rows_before', label: 'Rows before', numeric: true, render: (t) => int(t.rows_before) },
                { key: 'rows_after', label: 'Rows after', numeric: true, render: (t) => int(t.rows_after) },
                { key: 'added', label: 'Added', numeric: true, render: (t) => int(t.rows_added) },
                { key: 'removed', label: 'Removed', numeric: true, render: (t) => int(t.rows_removed) },
                { key: 'changed', label: 'Changed', numeric: true, render: (t) => int(t.rows_changed) },
                { key: 'schema', label: 'Schema', render: (t) => (t.schema_changed ? 'changed' : '') },
              ]}
            />
          )}
        </Async>
      )}
    </section>
  );
}

const PAGE = 25;

function Preview({ refs, head }: { refs: RefRow[]; head: CommitSummary }) {
  const [ref, setRef] = useState(refs.find((r) => r.isDefault)?.name ?? head.id);
  const [table, setTable] = useState(head.tables.find((t) => t.name === 'training_apps')?.name ?? head.tables[0]?.name ?? '');
  const [offset, setOffset] = useState(0);
  const [filter, setFilter] = useState('');
  const state = useApi<TablePage>(table ? `/api/ui/lake/rows?${q({ ref, table, offset, limit: PAGE })}` : null);
  return (
    <section aria-labelledby="preview-h">
      <h2 id="preview-h">Table preview</h2>
      <div className="row">
        <label>
          Ref{' '}
          <input
            value={ref}
            list="refs"
            size={16}
            onChange={(e) => {
              setRef(e.target.value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          Table{' '}
          <select
            value={table}
            onChange={(e) => {
              setTable(e.target.value);
              setOffset(0);
            }}
          >
            {head.tables.map((t) => (
              <option key={t.name}>{t.name}</option>
            ))}
          </select>
        </label>
        <label>
          Columns containing <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="e.g. read" size={12} />
        </label>
      </div>
      <Async state={state} what="rows">
        {(p) => {
          const cols = (filter ? p.columns.filter((c) => c.toLowerCase().includes(filter.toLowerCase())) : p.columns).slice(0, 14);
          const last = Math.min(p.offset + p.rows.length, p.total);
          return (
            <>
              <p data-testid="preview-count">
                {p.table} @ <code>{short(p.commit)}</code>: rows {int(p.rows.length ? p.offset + 1 : 0)}–{int(last)} of <strong>{int(p.total)}</strong>, showing {cols.length} of {p.columns.length} columns
              </p>
              <DataTable
                caption={`${p.table} rows ${p.offset + 1}–${last}`}
                rows={p.rows}
                rowKey={(_r, i) => String(p.offset + i)}
                columns={cols.map((c) => ({ key: c, label: c, render: (r: Record<string, unknown>) => cell(r[c]) }))}
              />
              <div className="row" role="group" aria-label="Pages">
                <button type="button" disabled={p.offset === 0} onClick={() => setOffset(Math.max(0, p.offset - PAGE))}>
                  Previous page
                </button>
                <button type="button" disabled={last >= p.total} onClick={() => setOffset(p.offset + PAGE)}>
                  Next page
                </button>
              </div>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.length > 40 ? `${v.slice(0, 39)}…` : v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function QuarantineView() {
  const state = useApi<Quarantine>('/api/ui/lake/quarantine');
  return (
    <section aria-labelledby="q-h">
      <h2 id="q-h">Quarantine of the last ingest</h2>
      <Async state={state} what="the quarantine">
        {(d) =>
          d.commit ? (
            <>
              <p data-testid="ingest-summary">
                Ingest <code>{short(d.commit)}</code> ({when(d.time)}) from <code>{d.source}</code>: {int(d.input_rows)} rows read, <strong>{int(d.loaded_rows)}</strong> loaded, <strong>{int(d.quarantined_rows)}</strong> quarantined.
              </p>
              <DataTable caption="Quarantine reasons" rows={d.reasons} rowKey={(r) => r.reason} empty="No row was quarantined." columns={[{ key: 'reason', label: 'Reason' }, { key: 'rows', label: 'Rows', numeric: true, render: (r) => int(r.rows) }]} />
              {d.sample.length > 0 && (
                <DataTable
                  caption="First quarantined rows"
                  rows={d.sample}
                  rowKey={(_r, i) => String(i)}
                  columns={['source', 'row', 'column', 'reason', 'detail', 'sha256'].map((c) => ({ key: c, label: c, render: (r: Record<string, unknown>) => cell(r[c]) }))}
                />
              )}
            </>
          ) : (
            <p className="muted">No ingest yet.</p>
          )
        }
      </Async>
    </section>
  );
}

export default function Data() {
  const branches = useApi<{ default_branch: string; refs: RefRow[] }>('/api/ui/lake/branches');
  const log = useApi<{ ref: string; commits: CommitSummary[] }>('/api/ui/lake/log?limit=50');
  return (
    <>
      <h1>Data</h1>
      <section aria-labelledby="refs-h">
        <h2 id="refs-h">Branches and tags</h2>
        <Async state={branches} what="branches">
          {(b) => (
            <>
              <datalist id="refs">
                {b.refs.map((r) => (
                  <option key={r.name} value={r.name} />
                ))}
              </datalist>
              <DataTable
                caption="Lake refs"
                rows={b.refs}
                rowKey={(r) => `${r.kind}:${r.name}`}
                columns={[
                  { key: 'name', label: 'Name', render: (r) => `${r.name}${r.isDefault ? ' (default)' : ''}` },
                  { key: 'kind', label: 'Kind' },
                  { key: 'commit', label: 'Commit', render: (r) => <code title={r.commit}>{short(r.commit)}</code> },
                  { key: 'time', label: 'Time', render: (r) => when(r.time) },
                  { key: 'message', label: 'Message' },
                ]}
              />
            </>
          )}
        </Async>
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">Commit log</h2>
        <Async state={log} what="the commit log">
          {(l) => (
            <ol className="log">
              {l.commits.map((c) => (
                <li key={c.id}>
                  <div>
                    <code title={c.id}>{short(c.id)}</code> <strong>{c.message}</strong>
                  </div>
                  <div className="muted">
                    {when(c.time)} · {c.author} · {c.tables.length} tables ({c.tables.map((t) => `${t.name} ${int(t.rows)}`).join(', ') || 'none'})
                  </div>
                  {Object.keys(c.metadata).length > 0 && (
                    <details>
                      <summary>Metadata of {short(c.id)}</summary>
                      <pre>{JSON.stringify(c.metadata, null, 2)}</pre>
                    </details>
                  )}
                </li>
              ))}
            </ol>
          )}
        </Async>
      </section>
      {log.data && <Diff commits={log.data.commits} />}
      {log.data?.commits[0] && branches.data && <Preview refs={branches.data.refs} head={log.data.commits[0]} />}
      <QuarantineView />
      {log.data && branches.data && <Ready page="data" />}
    </>
  );
}
