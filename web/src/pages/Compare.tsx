// Compares two or more runs: metrics and differing params side by side, and their loss curves overlaid.
import { useEffect, useState } from 'react';
import type { RunDetail } from '../../../src/dashboard/types.ts';
import { getJson } from '../api.ts';
import { CurveChart } from '../components/Charts.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { num } from '../format.ts';
import { Link } from '../router.tsx';

export default function Compare({ ids }: { ids: string[] }) {
  const [state, setState] = useState<{ runs?: RunDetail[]; error?: Error }>({});
  const key = ids.join(',');
  useEffect(() => {
    let live = true;
    setState({});
    Promise.all(key.split(',').map((id) => getJson<RunDetail>(`/api/ui/runs/${encodeURIComponent(id)}`))).then(
      (runs) => live && setState({ runs }),
      (error: unknown) => live && setState({ error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  const back = (
    <p>
      <Link href="/experiments">← All runs</Link>
    </p>
  );
  if (state.error) return (<>{back}<ErrorBox error={state.error} title="Could not load the runs" /></>);
  if (!state.runs) return (<>{back}<Loading what="runs" /></>);
  const runs = state.runs;
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.run.metrics)))].sort();
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.run.params)))].sort().filter((k) => new Set(runs.map((r) => r.run.params[k])).size > 1);
  const head = runs.map((r) => ({ key: r.run.runId, label: `${r.run.runName} (${r.run.runId.slice(0, 8)})` }));
  const lossKeys = [...new Set(runs.flatMap((r) => Object.keys(r.history).filter((k) => (r.history[k]?.length ?? 0) > 1)))].sort();
  return (
    <>
      {back}
      <h1>Compare {runs.length} runs</h1>
      <DataTable
        caption="Metrics side by side"
        rows={metricKeys}
        rowKey={(k) => k}
        columns={[{ key: 'm', label: 'Metric', render: (k: string) => k }, ...head.map((h, i) => ({ key: h.key, label: h.label, numeric: true, render: (k: string) => num(runs[i]?.run.metrics[k]) }))]}
      />
      <DataTable
        caption="Parameters that differ"
        rows={paramKeys}
        rowKey={(k) => k}
        empty="All parameters are equal."
        columns={[{ key: 'p', label: 'Param', render: (k: string) => k }, ...head.map((h, i) => ({ key: h.key, label: h.label, render: (k: string) => runs[i]?.run.params[k] ?? '–' }))]}
      />
      <div className="charts">
        {lossKeys.map((k) => (
          <CurveChart key={k} title={`${k} per epoch`} series={runs.map((r) => ({ name: `${r.run.runName} ${r.run.runId.slice(0, 6)}`, points: r.history[k] ?? [] }))} />
        ))}
      </div>
      <Ready page="compare" />
    </>
  );
}
