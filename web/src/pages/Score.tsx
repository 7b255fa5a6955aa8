// Score: one app from a pasted JSON feature object, an uploaded CSV row or its sha256 → score, verdict, threshold and top
// features of the served model (the detector by default), with the fingerprint model's anomaly score beside it.
import { useState } from 'react';
import type { FingerprintScore, ScoreModelInfo, ScoreResponse } from '../../../src/dashboard/types.ts';
import { postJson, useApi } from '../api.ts';
import { BarsChart } from '../components/Charts.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async, ErrorBox } from '../components/Status.tsx';
import { num, short } from '../format.ts';
import { useLocation } from '../router.tsx';

type Mode = 'sha256' | 'json' | 'csv';

const EXAMPLE = '{\n  "read": 1200,\n  "write": 800,\n  "INTERNET": 1,\n  "READ_SMS": 1\n}';

function Result({ r }: { r: ScoreResponse }) {
  const label = { reconstruction_z: 'z-score of reconstruction error', occlusion: 'score drop when reset to training fill', tree_shap: 'Shapley contribution to the log-odds (TreeSHAP)' }[r.explanation];
  return (
    <section aria-labelledby="result-h" className="result">
      <h2 id="result-h">Result</h2>
      <p className={`verdict ${r.is_malware ? 'bad' : 'good'}`} data-testid="verdict">
        {r.is_malware ? 'Flagged as malware' : 'Looks benign'}
      </p>
      <dl className="facts">
        <dt>Score</dt>
        <dd data-testid="score">{num(r.score, 6)}</dd>
        <dt>Threshold</dt>
        <dd data-testid="threshold">{num(r.threshold, 6)}</dd>
        <dt>Model</dt>
        <dd>
          {r.model.name} v{r.model.version} @{r.model.alias} ({r.model.kind}, run <code>{short(r.model.run_id, 8)}</code>)
        </dd>
        {r.sha256 && (
          <>
            <dt>App</dt>
            <dd>
              <code>{r.sha256}</code>
            </dd>
          </>
        )}
        <dt>Input</dt>
        <dd>
          {r.missing_features} features missing (filled by the model){r.unknown_fields.length ? `; ignored fields: ${r.unknown_fields.join(', ')}` : ''}
        </dd>
      </dl>
      {r.top_features.length ? <BarsChart title="Top contributing features" bars={r.top_features} valueLabel={label} /> : <p className="muted">No per-feature explanation for this input.</p>}
      {r.fingerprint && <Fingerprint f={r.fingerprint} />}
    </section>
  );
}

function Fingerprint({ f }: { f: FingerprintScore }) {
  return (
    <section aria-labelledby="fingerprint-h" data-testid="fingerprint">
      <h3 id="fingerprint-h">Fingerprint</h3>
      <p className="muted">How far the app is from the benign apps the fingerprint model learnt; beside the verdict, not part of it.</p>
      <dl className="facts">
        <dt>Anomaly score</dt>
        <dd data-testid="fingerprint-score">
          {num(f.score, 6)} ({f.is_anomalous ? 'anomalous' : 'within the benign range'}; threshold {num(f.threshold, 6)})
        </dd>
        <dt>Model</dt>
        <dd>
          {f.model.name} v{f.model.version} @{f.model.alias} ({f.model.kind}, run <code>{short(f.model.run_id, 8)}</code>)
        </dd>
      </dl>
      {f.top_features.length > 0 && <BarsChart title="Features furthest from benign" bars={f.top_features} valueLabel="z-score of reconstruction error" />}
    </section>
  );
}

export default function Score() {
  const { query } = useLocation();
  const [alias, setAlias] = useState(query.get('alias') ?? 'production');
  const info = useApi<ScoreModelInfo>(`/api/ui/score/model?alias=${encodeURIComponent(alias)}`);
  const [mode, setMode] = useState<Mode>('sha256');
  const [sha, setSha] = useState(query.get('sha256') ?? '');
  const [json, setJson] = useState(EXAMPLE);
  const [csv, setCsv] = useState('');
  const [state, setState] = useState<{ busy?: boolean; result?: ScoreResponse; error?: Error }>({});

  const submit = async () => {
    let body: Record<string, unknown>;
    try {
      body = mode === 'sha256' ? { sha256: sha.trim() } : mode === 'csv' ? { csv } : { features: JSON.parse(json) as unknown };
    } catch (e) {
      setState({ error: new Error(`the JSON is not valid: ${e instanceof Error ? e.message : String(e)}`) });
      return;
    }
    setState({ busy: true });
    try {
      setState({ result: await postJson<ScoreResponse>('/api/ui/score', { ...body, alias }) });
    } catch (e) {
      setState({ error: e instanceof Error ? e : new Error(String(e)) });
    }
  };

  return (
    <>
      <h1>Score an app</h1>
      <div className="row">
        <label>
          Model alias <input value={alias} onChange={(e) => setAlias(e.target.value)} size={12} />
        </label>
      </div>
      <Async state={info} what="the served model">
        {(m) => (
          <p className="muted" data-testid="model-info">
            Scoring with {m.name} v{m.version} ({m.kind}), threshold {num(m.threshold, 6)}; {m.features.length} features.
            {m.fingerprint ? ` Anomaly score beside it from ${m.fingerprint.name} v${m.fingerprint.version} (${m.fingerprint.kind}).` : ''}
          </p>
        )}
      </Async>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset className="row">
          <legend>Input</legend>
          {(
            [
              ['sha256', 'App by sha256 (online store)'],
              ['json', 'JSON feature object'],
              ['csv', 'CSV row'],
            ] as const
          ).map(([m, label]) => (
            <label key={m}>
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} /> {label}
            </label>
          ))}
        </fieldset>
        {mode === 'sha256' && (
          <label className="block">
            App sha256 <input value={sha} onChange={(e) => setSha(e.target.value)} className="mono wide" placeholder="64 hex digits" required />
          </label>
        )}
        {mode === 'json' && (
          <label className="block">
            Features as JSON (feature name → value; missing features are filled by the model)
            <textarea value={json} onChange={(e) => setJson(e.target.value)} rows={8} className="mono" spellCheck={false} />
          </label>
        )}
        {mode === 'csv' && (
          <>
            <label className="block">
              CSV file (header and at least one row; the first row is scored){' '}
              <input
                type="file"
                accept=".csv,text/csv"
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  if (f) void f.text().then(setCsv);
                }}
              />
            </label>
            <label className="block">
              or paste CSV
              <textarea value={csv} onChange={(e) => setCsv(e.target.value)} rows={5} className="mono" spellCheck={false} />
            </label>
          </>
        )}
        <button type="submit" disabled={state.busy}>
          {state.busy ? 'Scoring…' : 'Score'}
        </button>
      </form>
      {state.error && <ErrorBox error={state.error} title="Could not score" />}
      {state.result && <Result r={state.result} />}
      {info.data && <Ready page="score" />}
    </>
  );
}
