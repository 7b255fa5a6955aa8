// The three evaluation charts as SVG strings: ROC curve, precision-recall curve, score histograms by class.
import {
  type Labels,
  type Scores,
  confusionAt,
  metricsFromConfusion,
  prAuc,
  prCurve,
  rocAuc,
  rocCurve,
  scoreHistogram,
} from '../core/ml/eval/index.ts';
import { COLORS, type FrameSpec, type Legend, fmt, fmtScore, frame, niceTicks, thin } from './svg.ts';

/** What every chart shows: the scored rows, the operating threshold (score > threshold → malware) and a title prefix. */
export interface ChartInput { labels: Labels; scores: Scores; threshold: number; title: string }

function counts(labels: Labels): { n: number; pos: number } {
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i]!;
  return { n: labels.length, pos };
}

function pathOf(points: [number, number][]): string {
  return thin(points).map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px} ${py}`).join('');
}

function undefinedNote(x: (v: number) => number, y: (v: number) => number, text: string): string {
  return `<text x="${x(0.5)}" y="${y(0.5)}" text-anchor="middle" font-size="14" fill="${COLORS.guide}">${text}</text>`;
}

/** ROC curve with the chance diagonal and the operating point at the threshold. */
export function rocSvg(input: ChartInput): string {
  const { labels, scores, threshold } = input;
  const { n, pos } = counts(labels);
  const auc = rocAuc(labels, scores);
  const op = metricsFromConfusion(confusionAt(labels, scores, threshold));
  const defined = !Number.isNaN(auc);
  const curve = defined ? rocCurve(labels, scores) : undefined;
  const desc =
    `ROC curve over ${n} rows (${pos} malware, ${n - pos} benign). ROC AUC ${fmt(auc)}. ` +
    `At threshold ${fmtScore(threshold)} (score > threshold is malware): false-positive rate ${fmt(op.fpr)}, true-positive rate (recall) ${fmt(op.recall)}.`;
  const legend: Legend[] = [
    { label: `ROC curve (AUC ${fmt(auc)})`, color: COLORS.curve, mark: 'line' },
    { label: 'chance', color: COLORS.guide, mark: 'dash' },
    { label: `threshold ${fmtScore(threshold)}: FPR ${fmt(op.fpr, 3)}, TPR ${fmt(op.recall, 3)}`, color: COLORS.point, mark: 'dot' },
  ];
  return frame({
    title: `${input.title} — ROC curve`,
    subtitle: `${n} rows: ${pos} malware, ${n - pos} benign`,
    desc,
    xLabel: 'False-positive rate (benign flagged)',
    yLabel: 'True-positive rate (malware detected)',
    xDomain: [0, 1],
    yDomain: [0, 1],
    legend,
    legendAt: 'bottom-right',
    body: (x, y) => {
      const diag = `<path d="M${x(0)} ${y(0)}L${x(1)} ${y(1)}" stroke="${COLORS.guide}" stroke-width="1.5" stroke-dasharray="6 4" fill="none"/>`;
      if (!curve) return diag + undefinedNote(x, y, 'ROC undefined: the rows hold only one class');
      const pts = curve.fpr.map((f, i): [number, number] => [x(f), y(curve.tpr[i]!)]);
      return (
        diag +
        `<path d="${pathOf(pts)}" stroke="${COLORS.curve}" stroke-width="2.5" fill="none" stroke-linejoin="round"/>` +
        `<circle cx="${x(op.fpr)}" cy="${y(op.recall)}" r="6" fill="${COLORS.point}" stroke="#ffffff" stroke-width="1.5"/>`
      );
    },
  });
}

/** Precision-recall curve drawn as the step function whose area is the average precision, with the chance level. */
export function prSvg(input: ChartInput): string {
  const { labels, scores, threshold } = input;
  const { n, pos } = counts(labels);
  const ap = prAuc(labels, scores);
  const op = metricsFromConfusion(confusionAt(labels, scores, threshold));
  const base = pos / n;
  const curve = Number.isNaN(ap) ? undefined : prCurve(labels, scores);
  const desc =
    `Precision-recall curve over ${n} rows (${pos} malware, ${n - pos} benign). Average precision (PR AUC) ${fmt(ap)}; ` +
    `chance level ${fmt(base)}. At threshold ${fmtScore(threshold)} (score > threshold is malware): precision ${fmt(op.precision)}, recall ${fmt(op.recall)}, F1 ${fmt(op.f1)}.`;
  return frame({
    title: `${input.title} — precision-recall curve`,
    subtitle: `${n} rows: ${pos} malware, ${n - pos} benign`,
    desc,
    xLabel: 'Recall (malware detected)',
    yLabel: 'Precision (flagged that are malware)',
    xDomain: [0, 1],
    yDomain: [0, 1.02], // a little room so precision 1 does not sit on the frame
    yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    legend: [
      { label: `PR curve (AP ${fmt(ap)})`, color: COLORS.curve, mark: 'line' },
      { label: `chance (malware share ${fmt(base, 3)})`, color: COLORS.guide, mark: 'dash' },
      { label: `threshold ${fmtScore(threshold)}: P ${fmt(op.precision, 3)}, R ${fmt(op.recall, 3)}`, color: COLORS.point, mark: 'dot' },
    ],
    legendAt: 'bottom-right',
    body: (x, y) => {
      const chance = `<path d="M${x(0)} ${y(base)}L${x(1)} ${y(base)}" stroke="${COLORS.guide}" stroke-width="1.5" stroke-dasharray="6 4" fill="none"/>`;
      if (!curve) return chance + undefinedNote(x, y, 'PR curve undefined: no malware rows');
      // Steps: on (R[i-1], R[i]] the precision is P[i], so the area under the drawn line is exactly the AP.
      const pts: [number, number][] = [[x(0), y(curve.precision[1] ?? 1)]];
      for (let i = 1; i < curve.recall.length; i++) {
        pts.push([x(curve.recall[i]!), y(curve.precision[i]!)]);
        if (i + 1 < curve.recall.length) pts.push([x(curve.recall[i]!), y(curve.precision[i + 1]!)]);
      }
      const dot = `<circle cx="${x(op.recall)}" cy="${y(op.precision)}" r="6" fill="${COLORS.point}" stroke="#ffffff" stroke-width="1.5"/>`;
      return chance + `<path d="${pathOf(pts)}" stroke="${COLORS.curve}" stroke-width="2.5" fill="none" stroke-linejoin="round"/>` + dot;
    },
  });
}

/** Score histograms of benign and malware rows (each as a share of its class, so both show whatever the imbalance), with the threshold line. */
export function histogramSvg(input: ChartInput, bins = 40): string {
  const { labels, scores, threshold } = input;
  const { n, pos } = counts(labels);
  const neg = n - pos;
  const h = scoreHistogram(scores, labels, bins);
  const benign = shareOf(h.benign, neg);
  const malware = shareOf(h.malware, pos);
  const lo = h.edges[0]!;
  const hi = h.edges[h.edges.length - 1]!;
  const yTop = histogramTop([...benign, ...malware]);
  const c = confusionAt(labels, scores, threshold);
  const desc =
    `Histogram of scores in ${bins} bins from ${fmtScore(lo)} to ${fmtScore(hi)}: ${neg} benign and ${pos} malware rows, each bar a share of its class. ` +
    `Threshold ${fmtScore(threshold)} (score > threshold is malware): ${c.fp} of ${neg} benign rows above it (false positives), ${c.tp} of ${pos} malware rows above it (detected).`;
  const inView = threshold >= lo && threshold <= hi;
  return frame({
    title: `${input.title} — score distribution by class`,
    subtitle: `threshold ${fmtScore(threshold)}: ${c.fp}/${neg} benign and ${c.tp}/${pos} malware above it`,
    desc,
    xLabel: 'Model score (higher = more malicious)',
    yLabel: 'Share of the class’s rows',
    xDomain: [lo, hi],
    yDomain: [0, yTop],
    legend: [
      { label: `benign (${neg})`, color: COLORS.benign, mark: 'box' },
      { label: `malware (${pos})`, color: COLORS.malware, mark: 'box' },
      { label: `threshold ${fmtScore(threshold)}${inView ? '' : ' (off the axis)'}`, color: COLORS.text, mark: 'dash' },
    ],
    legendAt: 'above',
    body: overlaidHistograms(h.edges, benign, malware, threshold, yTop),
  });
}

/** Counts as shares of their total (0 when the total is 0). */
export const shareOf = (c: number[], total: number): number[] => c.map((v) => (total === 0 ? 0 : v / total));

/** The y-axis top for bars up to max(values): headroom above the tallest, rounded up to a tick so the axis ends labelled. */
export function histogramTop(values: number[]): number {
  const top = Math.max(...values, 0.01);
  const ticks = niceTicks(0, top * 1.12);
  const last = ticks.at(-1)!;
  return last >= top * 1.12 ? last : last + (ticks[1]! - ticks[0]!);
}

/**
 * The body of two share histograms over the same bin edges, overlaid (the first in the benign colour, the second in the
 * malware colour), with the threshold as a dashed line when it lies on the axis.
 */
export function overlaidHistograms(edges: number[], first: number[], second: number[], threshold: number, yTop: number): FrameSpec['body'] {
  const inView = threshold >= edges[0]! && threshold <= edges[edges.length - 1]!;
  return (x, y) => {
    const bars = (values: number[]) =>
      values
        .map((v, i) => {
          if (v === 0) return '';
          const x0 = x(edges[i]!);
          const w = Math.max(0.5, Math.round((x(edges[i + 1]!) - x0) * 100) / 100);
          return `<rect x="${x0}" y="${y(v)}" width="${w}" height="${Math.round((y(0) - y(v)) * 100) / 100}"/>`;
        })
        .join('');
    const line = inView ? `<path d="M${x(threshold)} ${y(0)}L${x(threshold)} ${y(yTop)}" stroke="${COLORS.text}" stroke-width="2" stroke-dasharray="6 4"/>` : '';
    return (
      `<g fill="${COLORS.benign}" fill-opacity="0.45" stroke="${COLORS.benign}" stroke-width="1">${bars(first)}</g>` +
      `<g fill="${COLORS.malware}" fill-opacity="0.45" stroke="${COLORS.malware}" stroke-width="1">${bars(second)}</g>` +
      line
    );
  };
}
