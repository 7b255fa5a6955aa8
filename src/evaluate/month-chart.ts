// A metric per month as lines, one per series: how a detector held up month by month (`dfp backtest`).
import { COLORS, type Legend, esc, fmt, frame } from './svg.ts';

export interface MonthSeries {
  label: string;
  /** One value per month, NaN where undefined (drawn as a gap). */
  values: number[];
  dash?: boolean;
}

const PALETTE = [COLORS.curve, COLORS.point, '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

export function monthSeriesSvg(o: { title: string; subtitle?: string; months: string[]; series: MonthSeries[]; yLabel: string }): string {
  const n = o.months.length;
  const step = Math.max(1, Math.ceil(n / 8));
  const legend: Legend[] = o.series.map((s, i) => ({ label: s.label, color: PALETTE[i % PALETTE.length]!, mark: s.dash ? 'dash' : 'line' }));
  const desc = o.series.map((s) => `${s.label}: ${o.months.map((m, i) => `${m} ${fmt(s.values[i] ?? Number.NaN, 3)}`).join(', ')}`).join('. ');
  return frame({
    title: o.title,
    ...(o.subtitle ? { subtitle: o.subtitle } : {}),
    desc,
    xLabel: 'Month',
    yLabel: o.yLabel,
    xDomain: [-0.5, Math.max(0.5, n - 0.5)],
    yDomain: [0, 1],
    xTicks: [],
    legend,
    legendAt: 'above',
    body: (x, y, area) => {
      const labels = o.months
        .map((m, i) => (i % step === 0 ? `<text x="${x(i)}" y="${area.bottom + 20}" text-anchor="middle" font-size="12">${esc(m)}</text>` : ''))
        .join('');
      const lines = o.series
        .map((s, k) => {
          const color = PALETTE[k % PALETTE.length]!;
          let d = '';
          let pen = false;
          const dots: string[] = [];
          s.values.forEach((v, i) => {
            if (!Number.isFinite(v)) {
              pen = false;
              return;
            }
            d += `${pen ? 'L' : 'M'}${x(i)} ${y(v)}`;
            pen = true;
            dots.push(`<circle cx="${x(i)}" cy="${y(v)}" r="3.5" fill="${color}"/>`);
          });
          return `<path d="${d}" stroke="${color}" stroke-width="2.5" fill="none"${s.dash ? ' stroke-dasharray="6 4"' : ''}/>${dots.join('')}`;
        })
        .join('');
      return lines + labels;
    },
  });
}
