// Features: the applied registry (version, views), online-store freshness and entity counts, and one app's online values.
import { useState } from 'react';
import type { AppFeatures, FeaturesOverview } from '../../../src/dashboard/types.ts';
import { useApi } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Ready } from '../components/Ready.tsx';
import { Async } from '../components/Status.tsx';
import { int, num, short, when } from '../format.ts';

function age(iso: string | null): string {
  if (!iso) return 'never';
  const h = (Date.now() - new Date(iso).getTime()) / 3_600_000;
  return h < 1 ? `${Math.max(0, Math.round(h * 60))} min ago` : h < 48 ? `${Math.round(h)} h ago` : `${Math.round(h / 24)} days ago`;
}

function Lookup() {
  const [sha, setSha] = useState('');
  const [asked, setAsked] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const state = useApi<AppFeatures>(asked ? `/api/ui/features/apps/${encodeURIComponent(asked)}` : null);
  return (
    <section aria-labelledby="lookup-h">
      <h2 id="lookup-h">Look up one app</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setAsked(sha.trim());
        }}
      >
        <label className="grow">
          App sha256 <input value={sha} onChange={(e) => setSha(e.target.value)} placeholder="64 hex digits" pattern="[0-9a-fA-F]{64}" required className="mono wide" />
        </label>
        <button type="submit">Look up</button>
      </form>
      {asked && (
        <Async state={state} what="the app's features">
          {(a) => {
            const entries = Object.entries(a.values).filter(([k]) => k.toLowerCase().includes(filter.toLowerCase()));
            const nonZero = Object.values(a.values).filter((v) => v !== null && v !== 0).length;
            return (
              <>
                <p data-testid="lookup-status">
                  <span className={`badge ${a.status.toLowerCase()}`}>{a.status}</span> {Object.keys(a.values).length} features, {nonZero} non-zero; event time {Object.entries(a.event_timestamps).map(([v, t]) => `${v} ${when(t)}`).join(', ')}
                </p>
                <label>
                  Features containing <input value={filter} onChange={(e) => setFilter(e.target.value)} size={14} />
                </label>
                <DataTable
                  caption={`Online values of ${short(a.sha256)} (first 60 matching)`}
                  rows={entries.slice(0, 60)}
                  rowKey={([k]) => k}
                  columns={[
                    { key: 'f', label: 'view:feature', render: ([k]) => k },
                    { key: 'v', label: 'Value', numeric: true, render: ([, v]) => num(v) },
                  ]}
                />
              </>
            );
          }}
        </Async>
      )}
    </section>
  );
}

export default function Features() {
  const state = useApi<FeaturesOverview>('/api/ui/features');
  return (
    <>
      <h1>Features</h1>
      <Async state={state} what="the feature registry">
        {(f) => (
          <>
            <p>
              Registry version <code title={f.version} data-testid="registry-version">{short(f.version)}</code>, applied {when(f.applied_at)} against {f.lake_ref} @ <code>{short(f.lake_commit)}</code>. Online store: {f.store.kind} (<code>{f.store.location}</code>).
            </p>
            <DataTable
              caption="Feature views and their online-store state"
              rows={f.views}
              rowKey={(v) => v.name}
              columns={[
                { key: 'name', label: 'View' },
                { key: 'source', label: 'Lake table' },
                { key: 'features', label: 'Features', numeric: true, render: (v) => int(v.features) },
                { key: 'ttl', label: 'TTL', render: (v) => (v.ttl_seconds ? `${v.ttl_seconds} s` : 'none') },
                { key: 'entities', label: 'Apps online', numeric: true, render: (v) => int(v.entities) },
                { key: 'watermark', label: 'Newest event', render: (v) => when(v.watermark) },
                { key: 'materialized', label: 'Materialized', render: (v) => `${when(v.materialized_at)} (${age(v.materialized_at)})` },
                { key: 'commit', label: 'From commit', render: (v) => <code>{short(v.lake_commit)}</code> },
              ]}
            />
            {f.services.length > 0 && (
              <DataTable caption="Feature services" rows={f.services} rowKey={(s) => s.name} columns={[{ key: 'name', label: 'Service' }, { key: 'features', label: 'Features', numeric: true }]} />
            )}
            <Ready page="features" />
          </>
        )}
      </Async>
      <Lookup />
    </>
  );
}
