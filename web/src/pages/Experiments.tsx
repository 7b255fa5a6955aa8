// Experiments: the runs table (filter, sort, pick runs to compare); run detail and comparison live in RunDetail.tsx and Compare.tsx.
import { useMemo, useState } from 'react';
import type { RunRow } from '../../../src/dashboard/types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { duration, num, when } from '../format.ts';
import { Link, navigate } from '../router.tsx';

const METRICS = ['test_roc_auc', 'test_pr_auc', 'test_f1', 'test_fpr'];

export default function Experiments() {
  const state = useApi<{ backend: string; location: string; runs: RunRow[] }>('/api/ui/runs');
  const [filter, setFilter] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const runs = useMemo(() => {
    const f = filter.trim().toLowerCase();
    const all = state.data?.runs ?? [];
    return f ? all.filter((r) => [r.runId, r.runName, r.status, r.model ?? '', r.lakeCommit ?? ''].some((s) => s.toLowerCase().includes(f))) : all;
  }, [state.data, filter]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  return (
    <>
      <h1>Experiments</h1>
      <Async state={state} what="runs">
        {(d) => (
          <>
            <p className="muted">
              {d.runs.length} runs in the {d.backend} store <code>{d.location}</code>.
            </p>
            <div className="row">
              <label>
                Filter runs <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, model, status, id" />
              </label>
              <button type="button" disabled={picked.length < 2} onClick={() => navigate(`/experiments?compare=${picked.join(',')}`)}>
                Compare {picked.length} selected runs
              </button>
            </div>
            <DataTable
              caption="Tracked runs (newest first; click a header to sort)"
              rows={runs}
              rowKey={(r) => r.runId}
              columns={[
                {
                  key: 'pick',
                  label: 'Compare',
                  render: (r) => <input type="checkbox" checked={picked.includes(r.runId)} onChange={() => toggle(r.runId)} aria-label={`compare ${r.runName} (${r.runId})`} />,
                },
                { key: 'name', label: 'Run', sort: (r) => r.runName, render: (r) => <Link href={`/experiments/${r.runId}`}>{r.runName}</Link> },
                { key: 'id', label: 'Run id', render: (r) => <code>{r.runId}</code> },
                { key: 'model', label: 'Model', sort: (r) => r.model },
                { key: 'status', label: 'Status', sort: (r) => r.status, render: (r) => <span className={`badge ${r.status.toLowerCase()}`}>{r.status}</span> },
                { key: 'start', label: 'Started', sort: (r) => r.startTime, render: (r) => when(r.startTime) },
                { key: 'took', label: 'Took', sort: (r) => (r.endTime ? r.endTime - r.startTime : null), render: (r) => duration(r.startTime, r.endTime) },
                ...METRICS.map((k) => ({ key: k, label: k.replace('test_', ''), numeric: true, sort: (r: RunRow) => r.metrics[k] ?? null, render: (r: RunRow) => num(r.metrics[k]) })),
              ]}
            />
            <Ready page="experiments" />
          </>
        )}
      </Async>
    </>
  );
}
