// Overview: the last `dfp run` (or, until that exists, the latest lake commit and runs), the data commit and production models.
import type { Overview as OverviewData } from '../../../src/dashboard/types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { HEADLINE, duration, int, num, seconds, short, when } from '../format.ts';
import { Link } from '../router.tsx';

export default function Overview() {
  const state = useApi<OverviewData>('/api/ui/overview');
  return (
    <>
      <h1>Overview</h1>
      <Async state={state} what="the overview">
        {(d) => (
          <>
            {d.errors.map((e) => (
              <div className="error" role="alert" key={e}>
                {e}
              </div>
            ))}
            <section aria-labelledby="pipeline-h">
              <h2 id="pipeline-h">Last pipeline run</h2>
              {d.pipeline ? (
                <>
                  <p>
                    <span className={`badge ${d.pipeline.status.toLowerCase()}`}>{d.pipeline.status}</span> {d.pipeline.id ? <code>{d.pipeline.id}</code> : null} started {when(d.pipeline.started_at)}, took {seconds(d.pipeline.seconds)}
                  </p>
                  <DataTable
                    caption="Steps of the last dfp run"
                    rows={d.pipeline.steps}
                    rowKey={(s) => s.name}
                    columns={[
                      { key: 'name', label: 'Step' },
                      { key: 'status', label: 'Status', render: (s) => <span className={`badge ${s.status.toLowerCase()}`}>{s.status}</span> },
                      { key: 'seconds', label: 'Duration', numeric: true, render: (s) => seconds(s.seconds) },
                      { key: 'detail', label: 'Detail', render: (s) => s.detail ?? '' },
                    ]}
                  />
                  {d.pipeline.decisions.length > 0 && (
                    <DataTable
                      caption="Retraining decisions: the challenger next to the champion on the newest test months (retrain.when, retrain.metric, retrain.margin)"
                      rows={d.pipeline.decisions}
                      rowKey={(m) => m.name}
                      columns={[
                        { key: 'name', label: 'Model', render: (m) => <Link href={`/models?name=${encodeURIComponent(m.name)}`}>{m.name}</Link> },
                        { key: 'retrained', label: 'Challenger', render: (m) => (m.retrained ? `v${m.candidate_version ?? '?'}` : 'none') },
                        { key: 'metric', label: 'Metric' },
                        { key: 'cand', label: 'Challenger value', numeric: true, render: (m) => num(m.candidate_value) },
                        { key: 'prod', label: 'Champion value', numeric: true, render: (m) => (m.production_version ? `${num(m.production_value)} (v${m.production_version})` : '–') },
                        { key: 'decision', label: 'Decision', render: (m) => <span className={`badge ${m.promoted ? 'succeeded' : 'kept'}`}>{m.promoted ? 'promoted' : m.retrained ? 'production kept' : 'not retrained'}</span> },
                        { key: 'why', label: 'Why', render: (m) => [...new Set([m.retrain_reason, m.reason].filter(Boolean))].join('; ') },
                      ]}
                    />
                  )}
                </>
              ) : (
                <p className="muted">
                  No pipeline summary yet (<code>{d.workspace}/runs/last-run.json</code> is written by <code>dfp run</code>). Below: the latest lake commit, runs and production models.
                </p>
              )}
            </section>
            <section aria-labelledby="data-h">
              <h2 id="data-h">Current data</h2>
              {d.lake.head ? (
                <>
                  <p>
                    <Link href="/data">{d.lake.branch}</Link> is at commit <code title={d.lake.head.id} data-testid="head-commit">{short(d.lake.head.id)}</code> — {d.lake.head.message} ({when(d.lake.head.time)}, {d.lake.head.author})
                  </p>
                  <ul className="chips" aria-label="Tables at the head commit">
                    {d.lake.head.tables.map((t) => (
                      <li key={t.name}>
                        {t.name}: <strong>{int(t.rows)}</strong> rows
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p className="muted">No lake yet: run <code>dfp ingest</code>.</p>
              )}
            </section>
            <section aria-labelledby="prod-h">
              <h2 id="prod-h">Production models</h2>
              <DataTable
                caption="Model versions behind the production alias, with their test metrics"
                rows={d.production}
                rowKey={(p) => `${p.name}@${p.alias}`}
                empty="No model has a production alias yet (Models page: promote a version)."
                columns={[
                  { key: 'name', label: 'Model', render: (p) => <Link href={`/models?name=${encodeURIComponent(p.name)}`}>{p.name}</Link> },
                  { key: 'version', label: 'Version', render: (p) => `v${p.version} (${p.kind ?? '?'})` },
                  { key: 'run', label: 'Run', render: (p) => (p.runId ? <Link href={`/experiments/${p.runId}`}>{short(p.runId, 8)}</Link> : '–') },
                  ...HEADLINE.map((k) => ({ key: k, label: k.replace('test_', ''), numeric: true, render: (p: (typeof d.production)[number]) => num(p.metrics[k]) })),
                ]}
              />
            </section>
            <section aria-labelledby="runs-h">
              <h2 id="runs-h">Latest runs</h2>
              <DataTable
                caption="Five newest tracked runs"
                rows={d.runs}
                rowKey={(r) => r.runId}
                empty="No runs yet: dfp train records one."
                columns={[
                  { key: 'run', label: 'Run', render: (r) => <Link href={`/experiments/${r.runId}`}>{r.runName}</Link> },
                  { key: 'status', label: 'Status', render: (r) => <span className={`badge ${r.status.toLowerCase()}`}>{r.status}</span> },
                  { key: 'started', label: 'Started', render: (r) => when(r.startTime) },
                  { key: 'took', label: 'Took', render: (r) => duration(r.startTime, r.endTime) },
                  { key: 'auc', label: 'ROC-AUC', numeric: true, render: (r) => num(r.metrics.test_roc_auc) },
                  { key: 'f1', label: 'F1', numeric: true, render: (r) => num(r.metrics.test_f1) },
                ]}
              />
            </section>
            <nav aria-label="Sections" className="cards">
              <Link href="/data">Data: branches, commits, diffs, tables</Link>
              <Link href="/features">Features: views and online store</Link>
              <Link href="/experiments">Experiments: runs and curves</Link>
              <Link href="/models">Models: versions, cards, promotion</Link>
              <Link href="/score">Score an app</Link>
            </nav>
            <Ready page="overview" />
          </>
        )}
      </Async>
    </>
  );
}
