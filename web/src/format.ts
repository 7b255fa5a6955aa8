// Number, date and id formatting used across pages (one place, so every page shows values the same way).
export const int = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'));

export function num(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(digits);
}

export const short = (id: string | null | undefined, n = 12) => (id ? id.slice(0, n) : '–');

export function when(t: string | number | null | undefined): string {
  if (t === null || t === undefined || t === '' || t === 0) return '–';
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  return s < 120 ? `${s.toFixed(s < 10 ? 1 : 0)} s` : `${Math.round(s / 60)} min`;
}

export function duration(start: number, end: number | null): string {
  return end ? seconds((end - start) / 1000) : 'running';
}

/** Headline metrics in the order people look for them. */
export const HEADLINE = ['test_roc_auc', 'test_pr_auc', 'test_f1', 'test_precision', 'test_recall', 'test_fpr'];
