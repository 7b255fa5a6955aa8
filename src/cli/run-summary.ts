// The table a person reads at the end of `dfp run`.
import { formatTable } from './table.ts';
import type { RunSummary } from '../pipeline/types.ts';

const f = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(4) : 'n/a');

export function humanSummary(s: RunSummary): string {
  const steps = Object.entries(s.steps).map(([name, r]) => [name, r.status, r.seconds.toFixed(1)]);
  const cached = Object.values(s.steps).filter((r) => r.status === 'cached').length;
  const lines = [
    formatTable(['STEP', 'STATUS', 'SECONDS'], steps),
    '',
    `data: ${s.data?.table ?? '?'} ${s.data ? s.data.rows.toLocaleString('en') : '?'} rows from ${s.data?.raw_table ?? '?'} at commit ${s.data_commit.slice(0, 12)} (source ${s.source})`,
    '',
    formatTable(
      ['MODEL', 'VERSION', 'ROC_AUC', 'PR_AUC', 'F1', 'FPR', 'PRODUCTION', 'DECISION'],
      Object.entries(s.models).map(([name, m]) => [
        name,
        m.version,
        f(m.metrics.roc_auc),
        f(m.metrics.pr_auc),
        f(m.metrics.f1),
        f(m.metrics.fpr),
        m.production ? `yes (v${m.version})` : `no (v${m.production_version ?? '-'})`,
        m.champion.reason,
      ]),
      80,
    ),
    '',
    ...Object.entries(s.exports).flatMap(([name, e]) => [`export ${name} v${e.version}: ${e.onnx}`, `${' '.repeat(name.length + 8 + e.version.length + 3)}${e.tflite}`]),
    '',
    `${Object.keys(s.steps).length} steps in ${s.seconds.toFixed(1)}s (${cached} cached)`,
    `start the scoring API: ${s.serve}`,
  ];
  return lines.join('\n');
}
