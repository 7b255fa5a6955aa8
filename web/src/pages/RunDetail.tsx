// One run: status, data input, params, latest metrics, per-epoch curves and the evaluation plots it logged.
import type { RunDetail as Detail } from '../../../src/dashboard/types.ts';
import { useApi } from '../api.ts';
import { CurveChart, type Series } from '../components/Charts.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { duration, int, num, short, when } from '../format.ts';
import { Link } from '../router.tsx';

export const artifactUrl = (runId: string, path: string) => `/api/ui/runs/${encodeURIComponent(runId)}/artifact?path=${encodeURIComponent(path)}`;

/** Curves worth drawing: metrics logged at more than one step, losses together and the rest one chart each. */
export function curveGroups(history: Detail['history']): { title: string; series: Series[] }[] {
  const multi = Object.entries(history).filter(([, pts]) => pts.length > 1);
  const losses = multi.filter(([k]) => k.endsWith('loss'));
  const others = multi.filter(([k]) => !k.endsWith('loss'));
  return [
    ...(losses.length ? [{ title: 'Loss per epoch', series: losses.map(([name, points]) => ({ name, points })) }] : []),
    ...others.map(([name, points]) => ({ title: `${name} per epoch`, series: [{ name, points }] })),
  ];
}

const PLOT_ALT: Record<string, string> = {
  'roc.svg': 'ROC curve on the test split',
  'pr.svg': 'Precision-recall curve on the test split',
  'score-histogram.svg': 'Score histogram by class on the test split',
};

export function Plots({ runId, artifacts, metrics }: { runId: string; artifacts: string[]; metrics: Record<string, number> }) {
  const plots = artifacts.filter((a) => a.endsWith('.svg'));
  if (!plots.length) return <p className="muted">This run logged no plots.</p>;
  return (
    <div className="plots">
      {plots.map((p) => {
        const name = p.split('/').pop() ?? p;
        const alt = `${PLOT_ALT[name] ?? name} (ROC-AUC ${num(metrics.test_roc_auc)}, PR-AUC ${num(metrics.test_pr_auc)}, threshold ${num(metrics.threshold)})`;
        return (
          <figure key={p}>
            <img src={artifactUrl(runId, p)} alt={alt} loading="lazy" />
            <figcaption>
              {PLOT_ALT[name] ?? name} — <a href={artifactUrl(runId, p)}>open</a>
            </figcaption>
          </figure>
        );
      })}
    </div>
  );
}

export default function RunDetail({ runId }: { runId: string }) {
  const state = useApi<Detail>(`/api/ui/runs/${encodeURIComponent(runId)}`);
  return (
    <>
      <p>
        <Link href="/experiments">← All runs</Link>
      </p>
      <Async state={state} what={`run ${runId}`}>
        {(d) => {
          const r = d.run;
          const scalars = Object.entries(r.metrics).filter(([k]) => (d.history[k]?.length ?? 0) <= 1);
          return (
            <>
              <h1>
                Run {r.runName} <span className={`badge ${r.status.toLowerCase()}`}>{r.status}</span>
              </h1>
              <p>
                <code data-testid="run-id">{r.runId}</code> · {r.model ?? 'model ?'} · started {when(r.startTime)} · took {duration(r.startTime, r.endTime)} · data{' '}
                <code title={r.lakeCommit ?? ''}>{short(r.lakeCommit)}</code>
              </p>
              <div className="grid2">
                <DataTable
                  caption="Metrics (latest value)"
                  rows={scalars}
                  rowKey={([k]) => k}
                  columns={[
                    { key: 'k', label: 'Metric', render: ([k]) => k },
                    { key: 'v', label: 'Value', numeric: true, render: ([, v]) => num(v) },
                  ]}
                />
                <DataTable
                  caption="Data inputs"
                  rows={r.inputs}
                  rowKey={(i, n) => `${i.context ?? ''}${n}`}
                  columns={[
                    { key: 'context', label: 'Split', render: (i) => i.context ?? '' },
                    { key: 'table', label: 'Table' },
                    { key: 'commit', label: 'Commit', render: (i) => <code>{short(i.commit)}</code> },
                    { key: 'rows', label: 'Rows', numeric: true, render: (i) => int(i.rows) },
                  ]}
                />
              </div>
              <h2>Curves</h2>
              <div className="charts">
                {curveGroups(d.history).map((g) => (
                  <CurveChart key={g.title} title={g.title} series={g.series} />
                ))}
              </div>
              <h2>Evaluation plots</h2>
              <Plots runId={r.runId} artifacts={d.artifacts} metrics={r.metrics} />
              <details>
                <summary>Parameters ({Object.keys(r.params).length})</summary>
                <DataTable caption="Parameters" rows={Object.entries(r.params)} rowKey={([k]) => k} columns={[{ key: 'k', label: 'Param', render: ([k]) => k }, { key: 'v', label: 'Value', render: ([, v]) => v }]} />
              </details>
              <Ready page="run" />
            </>
          );
        }}
      </Async>
    </>
  );
}
