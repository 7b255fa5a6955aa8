// Drift: the most recent apps `dfp serve` scored against the training data of the verdict model (GET /v1/drift, the
// document of `dfp drift --json`): the verdict, the served models' scores, feature groups, the drifted features.
import type { DriftReport } from '../../../src/core/drift/document.ts';
import type { ScoreDrift } from '../../../src/core/drift/score.ts';
import { ApiError, useApi } from '../api.ts';
import { BarsChart } from '../components/Charts.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { ErrorBox, Loading } from '../components/Status.tsx';
import { int, num, short } from '../format.ts';

const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(100 * v).toFixed(1)} %`);

function Report({ d }: { d: DriftReport }) {
  const drifted = d.features.filter((f) => f.drifted).sort((a, b) => b.psi - a.psi);
  const scores: ScoreDrift[] = d.score ? [d.score, ...(d.score.fingerprint ? [d.score.fingerprint] : [])] : [];
  return (
    <>
      <p>
        <span className={`badge ${d.drifted ? 'failed' : 'ok'}`} data-testid="drift-verdict">
          {d.drifted ? 'DRIFTED' : 'no drift'}
        </span>{' '}
        {drifted.length} of {d.features.length} features drifted in the last <strong data-testid="drift-window">{int(d.current.rows)}</strong> scored apps, compared with {int(d.reference.rows)} reference apps ({d.reference.source}
        {d.reference.commit ? (
          <>
            {' '}at <code title={d.reference.commit}>{short(d.reference.commit)}</code>
          </>
        ) : null}
        ).
      </p>
      <section aria-labelledby="scores-h">
        <h2 id="scores-h">Scores</h2>
        <DataTable
          caption="Scores of the served models: recent apps against the reference"
          rows={scores}
          rowKey={(s) => `${s.model}/${s.version}`}
          empty="No served model has scored enough apps yet."
          columns={[
            { key: 'model', label: 'Model', render: (s) => `${s.model} v${s.version}` },
            { key: 'psi', label: 'Score PSI', numeric: true, render: (s) => num(s.psi, 3) },
            { key: 'shift', label: 'Mean shift', numeric: true, render: (s) => num(s.mean_shift, 4) },
            { key: 'alerts', label: 'Alert rate', numeric: true, render: (s) => pct(s.alert_rate) },
            { key: 'ref', label: 'Reference alert rate', numeric: true, render: (s) => pct(s.reference_alert_rate) },
            { key: 'drifted', label: 'Drifted', render: (s) => (s.drifted ? 'yes' : 'no') },
          ]}
        />
      </section>
      <section aria-labelledby="features-h">
        <h2 id="features-h">Drifted features</h2>
        {drifted.length ? <BarsChart title="PSI of the drifted features" bars={drifted.slice(0, 15).map((f) => ({ name: f.name, value: f.psi }))} valueLabel="PSI" /> : null}
        <DataTable
          caption="Features that drifted, largest PSI first"
          rows={drifted}
          rowKey={(f) => f.name}
          empty="No feature drifted."
          columns={[
            { key: 'name', label: 'Feature' },
            { key: 'group', label: 'Group' },
            { key: 'psi', label: 'PSI', numeric: true, sort: (f) => f.psi, render: (f) => num(f.psi, 3) },
            { key: 'test', label: 'Test' },
            { key: 'statistic', label: 'Statistic', numeric: true, render: (f) => num(f.statistic, 3) },
            { key: 'q', label: 'q-value', numeric: true, sort: (f) => f.q_value, render: (f) => num(f.q_value, 4) },
            { key: 'missing', label: 'Missing', numeric: true, render: (f) => pct(f.missing) },
          ]}
        />
      </section>
      <section aria-labelledby="groups-h">
        <h2 id="groups-h">Feature groups</h2>
        <DataTable
          caption="Drift per feature group"
          rows={Object.entries(d.groups).map(([name, g]) => ({ name, ...g }))}
          rowKey={(g) => g.name}
          columns={[
            { key: 'name', label: 'Group' },
            { key: 'features', label: 'Features', numeric: true, render: (g) => int(g.features) },
            { key: 'drifted', label: 'Drifted', numeric: true, render: (g) => int(g.drifted) },
            { key: 'psi', label: 'Mean PSI', numeric: true, render: (g) => num(g.mean_psi, 3) },
          ]}
        />
      </section>
      <p className="muted">
        A feature drifts at PSI ≥ {d.thresholds.psiMajor}, or ≥ {d.thresholds.psiModerate} with a q-value under {d.thresholds.alpha} (Kolmogorov–Smirnov for counts, chi-square for
        permission flags, Benjamini–Hochberg over all features). <code>dfp drift --data &lt;file&gt;</code> makes the same report for a file, month by month.
      </p>
      <Ready page="drift" />
    </>
  );
}

export default function Drift() {
  const state = useApi<DriftReport>('/v1/drift');
  // 409: the server has not scored enough apps since its model loaded; that is a state, not a failure.
  const waiting = state.error instanceof ApiError && state.error.status === 409;
  return (
    <>
      <h1>Drift</h1>
      <p>
        Recent apps scored by this server (<code>POST /v1/score</code>, <code>/v1/score/batch</code>) compared with the training data of the model that gives the verdict.{' '}
        <button type="button" onClick={state.reload}>
          Refresh
        </button>
      </p>
      {waiting ? (
        <p className="muted" role="status" data-testid="drift-waiting">
          {state.error?.message}
        </p>
      ) : state.error ? (
        <ErrorBox error={state.error} title="Could not load the drift report" />
      ) : state.data === undefined ? (
        <Loading what="the drift report" />
      ) : (
        <Report d={state.data} />
      )}
    </>
  );
}
