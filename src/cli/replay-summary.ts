// The human report of `dfp run --replay-months`: one line per month, then the promotions.
import type { ReplayResult } from '../replay/run.ts';
import { formatTable } from './table.ts';

const f3 = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '-');

export function replaySummary(r: ReplayResult): string {
  const p = r.policy;
  return [
    `replay of ${r.data.source}: ${r.data.apps} apps, ${r.data.malware} malware, ${r.data.months.length} months; ${r.kind}, retrain.when=${p.when}, window ${p.window || 'all'} months, promote on ${p.metric} + ${p.margin}`,
    '',
    formatTable(
      ['month', 'apps', 'malware', 'production', 'alert rate', 'recall', 'fpr', 'drift', 'challenger', 'champion', 'decision'],
      r.months.map((m) => [
        m.month,
        m.n,
        m.malware,
        m.production ? `v${m.production.version}` : '-',
        f3(m.production?.alert_rate),
        f3(m.production?.recall),
        f3(m.production?.fpr),
        m.drift ? (m.drift.drifted ? `drifted (${m.drift.drifted_features})` : 'none') : '-',
        f3(m.decision?.challenger),
        f3(m.decision?.champion),
        m.decision ? (m.decision.promoted ? `v${m.decision.version} promoted` : `v${m.decision.version} kept out`) : (m.skipped ? `skipped: ${m.skipped}` : ''),
      ]),
    ),
    '',
    `${r.promotions} promotion(s); plot: ${r.plots.png}`,
  ].join('\n');
}
