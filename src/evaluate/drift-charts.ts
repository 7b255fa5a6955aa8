// The drift report's charts as SVG strings: a model's score distribution on the reference and the current apps, and
// the months of the current apps (share of features drifted, the verdict model's alert rate against the reference's).
import type { MonthDrift } from '../core/drift/document.ts';
import { scoreHistogram } from '../core/ml/eval/index.ts';
import { histogramTop, overlaidHistograms, shareOf } from './charts.ts';
import { type MonthSeries, monthSeriesSvg } from './month-chart.ts';
import { COLORS, fmt, fmtScore, frame } from './svg.ts';

export interface ScoreShiftInput {
  /** The model (name and version) for the title. */
  title: string;
  threshold: number;
  reference: ArrayLike<number>;
  current: ArrayLike<number>;
}

const above = (v: ArrayLike<number>, t: number) => Array.prototype.filter.call(v, (s: number) => s > t).length;

/** Score histograms of the reference and the current apps (each bar a share of its side), with the threshold line. */
export function scoreShiftSvg(input: ScoreShiftInput, bins = 40): string {
  const { reference, current, threshold } = input;
  const nr = reference.length;
  const nc = current.length;
  // One histogram over both sides: the "labels" say which side a score is from, so both share the same bins.
  const scores = new Float64Array(nr + nc);
  scores.set(Float64Array.from(reference), 0);
  scores.set(Float64Array.from(current), nr);
  const side = new Uint8Array(nr + nc).fill(1, nr);
  const h = scoreHistogram(scores, side, bins);
  const ref = shareOf(h.benign, nr);
  const cur = shareOf(h.malware, nc);
  const lo = h.edges[0]!;
  const hi = h.edges[h.edges.length - 1]!;
  const yTop = histogramTop([...ref, ...cur]);
  const ar = above(reference, threshold);
  const ac = above(current, threshold);
  const inView = threshold >= lo && threshold <= hi;
  return frame({
    title: `${input.title} — scores, reference vs current`,
    subtitle: `alert rate at ${fmtScore(threshold)}: ${fmt((100 * ar) / Math.max(1, nr), 1)} % of reference, ${fmt((100 * ac) / Math.max(1, nc), 1)} % of current apps`,
    desc:
      `Histograms of scores in ${bins} bins from ${fmtScore(lo)} to ${fmtScore(hi)}: ${nr} reference and ${nc} current apps, each bar a share of its side. ` +
      `Threshold ${fmtScore(threshold)}: ${ar} of ${nr} reference apps and ${ac} of ${nc} current apps above it.`,
    xLabel: 'Model score (higher = more malicious)',
    yLabel: 'Share of the side’s apps',
    xDomain: [lo, hi === lo ? lo + 1 : hi],
    yDomain: [0, yTop],
    legend: [
      { label: `reference (${nr})`, color: COLORS.benign, mark: 'box' },
      { label: `current (${nc})`, color: COLORS.malware, mark: 'box' },
      { label: `threshold ${fmtScore(threshold)}${inView ? '' : ' (off the axis)'}`, color: COLORS.text, mark: 'dash' },
    ],
    legendAt: 'above',
    body: overlaidHistograms(h.edges, ref, cur, threshold, yTop),
  });
}

export interface MonthsInput {
  months: readonly MonthDrift[];
  /** Features compared (the drifted counts become shares of it). */
  features: number;
  /** The verdict model's alert rate on the reference, drawn as a level line; null without a model. */
  referenceAlertRate: number | null;
}

/** Month by month (the month chart of src/evaluate/month-chart.ts): the share of features drifted and the alert rate, against the reference's alert rate. */
export function monthsSvg(input: MonthsInput): string {
  const { months } = input;
  const scored = months.some((m) => m.alert_rate !== null);
  const series: MonthSeries[] = [
    { label: 'features drifted (share)', values: months.map((m) => m.drifted_features / Math.max(1, input.features)) },
    ...(scored ? [{ label: 'alert rate', values: months.map((m) => m.alert_rate ?? Number.NaN) }] : []),
    ...(input.referenceAlertRate !== null ? [{ label: `reference alert rate ${fmt(100 * input.referenceAlertRate, 1)} %`, values: months.map(() => input.referenceAlertRate!), dash: true }] : []),
  ];
  const worst = months.reduce<MonthDrift | undefined>((w, m) => (w === undefined || m.drifted_features > w.drifted_features ? m : w), undefined);
  return monthSeriesSvg({
    title: 'Drift month by month',
    subtitle: worst ? `most drifted: ${worst.month}, ${worst.drifted_features} of ${input.features} features` : 'no month with enough apps',
    months: months.map((m) => m.month),
    series,
    yLabel: 'Share',
  });
}
