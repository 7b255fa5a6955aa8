// Models: registered models, versions and aliases, a version's model card and plots, and promotion to an alias (API key).
import { useCallback, useState } from 'react';
import type { ModelRow, PromoteResult, VersionRow } from '../../../src/dashboard/types.ts';
import { ApiError, postJson, useApi } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Markdown } from '../components/Markdown.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { HEADLINE, num, short, when } from '../format.ts';
import { Link, useLocation } from '../router.tsx';
import { artifactUrl } from './RunDetail.tsx';

interface ModelsData {
  backend: string;
  location: string;
  serve: { model: string; alias: string };
  models: ModelRow[];
}

function Card({ model, v }: { model: string; v: VersionRow }) {
  const state = useApi<{ runId: string; base: string; markdown: string }>(`/api/ui/models/${encodeURIComponent(model)}/versions/${v.version}/card`);
  const base = state.data?.base;
  const runId = state.data?.runId;
  const resolve = useCallback((src: string) => (runId ? artifactUrl(runId, `${base}/${src.replace(/\.png$/, '.svg')}`) : src), [runId, base]);
  return (
    <section aria-labelledby="card-h">
      <h2 id="card-h">
        Model card of {model} v{v.version}
      </h2>
      <Async state={state} what="the model card">
        {(c) => <Markdown text={c.markdown} imageUrl={resolve} />}
      </Async>
    </section>
  );
}

function Promote({ model, versions, onDone }: { model: ModelRow; versions: VersionRow[]; onDone: () => void }) {
  const [version, setVersion] = useState(versions.find((v) => !v.aliases.includes('production'))?.version ?? versions[0]?.version ?? '');
  const [alias, setAlias] = useState('production');
  const [key, setKey] = useState('');
  const [result, setResult] = useState<{ ok?: PromoteResult; error?: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const champion = versions.find((v) => v.version === model.aliases[alias]);
  const challenger = versions.find((v) => v.version === version);
  const submit = async () => {
    setBusy(true);
    setResult(null);
    try {
      const ok = await postJson<PromoteResult>(`/api/ui/models/${encodeURIComponent(model.name)}/promote`, { version, alias }, key ? { 'x-api-key': key } : {});
      setResult({ ok });
      onDone();
    } catch (e) {
      setResult({ error: e instanceof ApiError ? `${e.status === 401 || e.status === 403 ? 'Refused' : 'Failed'}: ${e.message}` : String(e) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="promote-h">
      <h2 id="promote-h">Promote a version</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label>
          Version{' '}
          <select value={version} onChange={(e) => setVersion(e.target.value)}>
            {versions.map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version} ({v.kind ?? '?'})
              </option>
            ))}
          </select>
        </label>
        <label>
          Alias <input value={alias} onChange={(e) => setAlias(e.target.value)} size={12} required pattern="[A-Za-z_][\w-]*" />
        </label>
        <label>
          API key <input type="password" value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" size={16} />
        </label>
        <button type="submit" disabled={busy || !version}>
          Promote v{version} to {alias}
        </button>
      </form>
      <DataTable
        caption={`Champion (${alias} now) and challenger (v${version}) on their test splits`}
        rows={HEADLINE}
        rowKey={(k) => k}
        columns={[
          { key: 'm', label: 'Metric', render: (k: string) => k },
          { key: 'champ', label: champion ? `champion v${champion.version}` : `champion (no ${alias})`, numeric: true, render: (k: string) => num(champion?.metrics[k]) },
          { key: 'chal', label: `challenger v${version}`, numeric: true, render: (k: string) => num(challenger?.metrics[k]) },
        ]}
      />
      {result?.error && (
        <div className="error" role="alert" data-testid="promote-result">
          {result.error}
        </div>
      )}
      {result?.ok && (
        <div className="ok" role="status" data-testid="promote-result">
          {result.ok.name}@{result.ok.alias} → v{result.ok.version}
          {result.ok.previous ? ` (was v${result.ok.previous})` : ''}
        </div>
      )}
    </section>
  );
}

export default function Models() {
  const { query } = useLocation();
  const state = useApi<ModelsData>('/api/ui/models');
  const reload = state.reload;
  return (
    <>
      <h1>Models</h1>
      <Async state={state} what="registered models">
        {(d) => {
          if (!d.models.length) return <p className="muted">No registered models in {d.location}.</p>;
          const model = d.models.find((m) => m.name === query.get('name')) ?? d.models.find((m) => m.name === d.serve.model) ?? d.models[0]!;
          const selected = model.versions.find((v) => v.version === query.get('version')) ?? model.versions.find((v) => v.aliases.includes(d.serve.alias)) ?? model.versions[0];
          return (
            <>
              <DataTable
                caption="Registered models"
                rows={d.models}
                rowKey={(m) => m.name}
                columns={[
                  { key: 'name', label: 'Model', render: (m) => <Link href={`/models?name=${encodeURIComponent(m.name)}`} aria-current={m.name === model.name ? 'true' : undefined}>{m.name}</Link> },
                  { key: 'latest', label: 'Latest', render: (m) => (m.latestVersion ? `v${m.latestVersion}` : '–') },
                  { key: 'aliases', label: 'Aliases', render: (m) => Object.entries(m.aliases).map(([a, v]) => `${a}→v${v}`).join(', ') || '–' },
                  { key: 'updated', label: 'Updated', render: (m) => when(m.updatedAt) },
                  { key: 'desc', label: 'Description', render: (m) => m.description },
                ]}
              />
              <h2>Versions of {model.name}</h2>
              <DataTable
                caption={`Versions of ${model.name}, newest first`}
                rows={model.versions}
                rowKey={(v) => v.version}
                columns={[
                  { key: 'v', label: 'Version', render: (v) => <Link href={`/models?name=${encodeURIComponent(model.name)}&version=${v.version}`} aria-current={v === selected ? 'true' : undefined}>v{v.version}</Link> },
                  { key: 'aliases', label: 'Aliases', render: (v) => <span data-testid={`aliases-v${v.version}`}>{v.aliases.join(', ') || '–'}</span> },
                  { key: 'kind', label: 'Kind', render: (v) => v.kind ?? '–' },
                  { key: 'stage', label: 'Stage' },
                  { key: 'run', label: 'Run', render: (v) => (v.runId ? <Link href={`/experiments/${v.runId}`}>{short(v.runId, 8)}</Link> : '–') },
                  { key: 'created', label: 'Created', render: (v) => when(v.createdAt) },
                  ...HEADLINE.slice(0, 4).map((k) => ({ key: k, label: k.replace('test_', ''), numeric: true, render: (v: VersionRow) => num(v.metrics[k]) })),
                ]}
              />
              <Promote key={model.name} model={model} versions={model.versions} onDone={reload} />
              <button type="button" onClick={reload}>
                Refresh versions and aliases
              </button>
              {selected && <Card model={model.name} v={selected} />}
              <Ready page="models" />
            </>
          );
        }}
      </Async>
    </>
  );
}
