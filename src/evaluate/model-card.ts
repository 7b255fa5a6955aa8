// Model card: a Markdown page per trained model with its data, config, metrics, per-family detection, plots and limits.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'yaml';
import { DfpError, messageOf } from '../core/errors.ts';
import type { Evaluation, GroupDetection } from '../core/ml/eval/index.ts';
import { fmt, fmtScore } from './svg.ts';

/** Size and time range of one split. from/to are months (YYYY-MM) or dates, as the split used them. */
export interface SplitSummary { rows: number; malware?: number; from?: string; to?: string }

/** What the model was trained and evaluated on. */
export interface TrainingData {
  /** Where the rows came from, e.g. "lake table apps @ main" or a file path. */
  source?: string;
  /** True for rows made by `dfp synth`: the card then warns at the top that the numbers say nothing about real apps. */
  synthetic?: boolean;
  /** How the rows were split, e.g. "time: test from 2020-01" or "stratified, seed 7". */
  splitKind?: string;
  /** Split name (train, validation, test…) → size and time range, in display order. */
  splits: Record<string, SplitSummary>;
  /** When training finished (ISO 8601). */
  at?: string;
}

/** Plot paths relative to the card's folder, as Markdown links them (see writePlots). Any may be left out. */
export interface CardPlots { roc_png?: string; roc_svg?: string; pr_png?: string; pr_svg?: string; hist_png?: string; hist_svg?: string }

export interface ModelCardInput {
  name: string;
  /** Model kind, e.g. "classifier" or "autoencoder". */
  kind: string;
  runId: string;
  /** Lake commit the training data was read at. */
  dataCommit: string;
  /** The training config (rendered as YAML). */
  config: unknown;
  /** One evaluation, or split name → evaluation (e.g. { validation, test }), from evaluateScores. */
  metrics: Evaluation | Record<string, Evaluation>;
  /** Detection rates per malware family, or heading → rates (e.g. { family, category }), from detectionByGroup. */
  perGroup?: GroupDetection[] | Record<string, GroupDetection[]>;
  plots?: CardPlots;
  featureCount: number;
  featureHash: string;
  trainedOn: TrainingData;
  /** Replaces the default intended-use paragraph. */
  intendedUse?: string;
  /** Limitations added after the standard ones. */
  limits?: string[];
  /** How the model was chosen (the time-forward comparison of detector kinds), rendered before the plots. */
  selection?: { heading: string; text: string; header: string[]; rows: (string | number)[][] };
}

/** Most groups listed per table: the rest are summed in one line, so a card stays readable with hundreds of families. */
export const MAX_GROUP_ROWS = 40;

const DEFAULT_USE =
  'Ranking Android apps by how likely their run-time behaviour (system calls and the KronoDroid static and dynamic ' +
  'features) is malicious, to prioritise analyst review and to compare model versions. It is a triage aid, not a verdict: ' +
  'a flag needs confirmation before an app is blocked or a developer is accused.';

const STANDARD_LIMITS = [
  'Labels come from VirusTotal detections as the KronoDroid dataset recorded them: they are noisy (engines disagree, ' +
    'detections change over time), and family names are one engine’s naming, so per-family rates inherit that noise.',
  'Concept drift: malware and benign apps change over time (new families, new Android versions and APIs). Metrics measured ' +
    'on one period overstate performance on later ones; compare with a time split and re-evaluate on recent data before relying on the model.',
  'Synthetic data (from `dfp synth`) is not real: it only imitates the schema and rough distributions, so metrics on it ' +
    'test the pipeline, not how well the model detects real malware.',
  'The rates at the threshold depend on the share of malware in the evaluated data; precision in particular drops when ' +
    'malware is rarer in deployment than in the dataset.',
  'The model sees only the features listed by its feature hash; apps that hide behaviour from the emulator used to collect them may evade it.',
];

/** Escapes a value for a Markdown table cell. */
function cell(v: unknown): string {
  return String(v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(head: string[], rows: unknown[][], align?: string[]): string {
  const sep = align ?? head.map(() => '---');
  return [head, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function isEvaluation(m: Evaluation | Record<string, Evaluation>): m is Evaluation {
  return typeof (m as Evaluation).roc_auc === 'number' && typeof (m as Evaluation).confusion === 'object';
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a';
}

/** Renders the model card as Markdown. */
export function modelCard(input: ModelCardInput): string {
  if (!input.name.trim()) throw new DfpError('INPUT_INVALID', 'modelCard: the model name is empty; pass the registered model name');
  const metrics: Record<string, Evaluation> = isEvaluation(input.metrics) ? { evaluation: input.metrics } : input.metrics;
  const splits = Object.entries(metrics);
  if (splits.length === 0) throw new DfpError('INPUT_INVALID', 'modelCard: no metrics; pass the evaluateScores result of at least one split');
  const data = input.trainedOn;
  const out: string[] = [];

  out.push(`# Model card: ${input.name}`, '');
  if (data.synthetic) {
    out.push('> **Trained and evaluated on synthetic data.** These numbers check the pipeline; they say nothing about detecting real malware.', '');
  }
  out.push('## Overview', '');
  out.push(table(['', ''], [
    ['Model', `\`${input.name}\``],
    ['Kind', input.kind],
    ['Run', `\`${input.runId}\``],
    ['Lake commit of the data', `\`${input.dataCommit}\``],
    ['Features', `${input.featureCount} (feature list hash \`${input.featureHash}\`)`],
    ...(data.at ? [['Trained', data.at]] : []),
    ['Decision rule', 'an app is flagged as malware when its score is strictly greater than the threshold'],
  ]), '');

  out.push('## Data', '');
  const src = [data.source ? `Source: ${data.source}.` : '', data.splitKind ? `Split: ${data.splitKind}.` : '', data.synthetic ? 'The rows are synthetic.' : ''].filter(Boolean).join(' ');
  if (src) out.push(src, '');
  const splitRows = Object.entries(data.splits).map(([name, s]) => [
    name,
    s.rows,
    s.malware ?? 'n/a',
    s.malware === undefined ? 'n/a' : pct(s.malware / s.rows),
    s.from || s.to ? `${s.from ?? '…'} – ${s.to ?? '…'}` : 'n/a',
  ]);
  out.push(splitRows.length > 0 ? table(['Split', 'Rows', 'Malware', 'Malware share', 'Time range'], splitRows, ['---', '---:', '---:', '---:', '---']) : '_No split sizes recorded._', '');

  out.push('## Training configuration', '');
  out.push('```yaml', stringify(input.config ?? {}).trimEnd(), '```', '');

  out.push('## Metrics', '');
  out.push('ROC AUC and PR AUC (average precision) do not depend on the threshold; the rest are at the threshold shown. "n/a": undefined because a class is missing.', '');
  const metricRows: [string, (e: Evaluation) => string][] = [
    ['Rows', (e) => String(e.n)],
    ['Malware rows', (e) => String(e.positives)],
    ['ROC AUC', (e) => fmt(e.roc_auc)],
    ['PR AUC (average precision)', (e) => fmt(e.pr_auc)],
    ['Threshold', (e) => fmtScore(e.threshold)],
    ['Precision', (e) => fmt(e.precision)],
    ['Recall (detection rate)', (e) => fmt(e.recall)],
    ['F1', (e) => fmt(e.f1)],
    ['False-positive rate', (e) => fmt(e.fpr)],
  ];
  out.push(table(['Metric', ...splits.map(([s]) => s)], metricRows.map(([label, f]) => [label, ...splits.map(([, e]) => f(e))]), ['---', ...splits.map(() => '---:')]), '');

  out.push('## Confusion matrix', '');
  for (const [split, e] of splits) {
    const c = e.confusion;
    if (splits.length > 1) out.push(`**${split}** (threshold ${fmtScore(e.threshold)})`, '');
    out.push(table(['', 'Flagged as malware', 'Not flagged'], [
      ['Malware', `${c.tp} (true positives)`, `${c.fn} (missed)`],
      ['Benign', `${c.fp} (false alarms)`, `${c.tn} (true negatives)`],
    ], ['---', '---:', '---:']), '');
  }

  const groups = input.perGroup === undefined ? [] : Array.isArray(input.perGroup) ? [['family', input.perGroup] as const] : Object.entries(input.perGroup);
  if (groups.length > 0) {
    out.push('## Detection by malware family', '');
    out.push('Share of each group’s malware rows flagged at the threshold (benign rows are not counted).', '');
    for (const [heading, rows] of groups) {
      if (groups.length > 1 || heading !== 'family') out.push(`### By ${heading}`, '');
      if (rows.length === 0) {
        out.push('_No malware rows._', '');
        continue;
      }
      const shown = rows.slice(0, MAX_GROUP_ROWS).map((g) => [g.group, g.n, g.detected, pct(g.rate)]);
      const rest = rows.slice(MAX_GROUP_ROWS);
      if (rest.length > 0) {
        const n = rest.reduce((s, g) => s + g.n, 0);
        const d = rest.reduce((s, g) => s + g.detected, 0);
        shown.push([`(${rest.length} smaller groups)`, n, d, pct(d / n)]);
      }
      out.push(table([heading[0]!.toUpperCase() + heading.slice(1), 'Malware rows', 'Detected', 'Detection rate'], shown, ['---', '---:', '---:', '---:']), '');
    }
  }

  if (input.selection) {
    const sel = input.selection;
    out.push(`## ${sel.heading}`, '', sel.text, '', table(sel.header, sel.rows, sel.header.map((_, i) => (i === 0 ? '---' : '---:'))), '');
  }

  const p = input.plots ?? {};
  const figures: [string, string | undefined, string | undefined][] = [
    ['ROC curve', p.roc_png, p.roc_svg],
    ['Precision-recall curve', p.pr_png, p.pr_svg],
    ['Score distribution by class', p.hist_png, p.hist_svg],
  ];
  const present = figures.filter(([, png, svg]) => png || svg);
  if (present.length > 0) {
    out.push('## Plots', '');
    for (const [label, png, svg] of present) {
      const img = png ?? svg!;
      out.push(`![${label}](${linkPath(img)})`);
      if (png && svg) out.push(`[${label} (SVG)](${linkPath(svg)})`);
      out.push('');
    }
  }

  out.push('## Intended use', '', input.intendedUse?.trim() || DEFAULT_USE, '');
  out.push('## Limitations', '');
  for (const limit of [...STANDARD_LIMITS, ...(input.limits ?? [])]) out.push(`- ${limit.replace(/\r?\n/g, ' ')}`);
  out.push('');
  return out.join('\n');
}

/** A relative path as a Markdown link target: forward slashes, spaces and parentheses encoded. */
function linkPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/ /g, '%20').replace(/\(/g, '%28').replace(/\)/g, '%29');
}

/** Writes the model card to path (its folder created if missing) and returns the path. Plot paths stay relative to it. */
export async function writeModelCard(path: string, input: ModelCardInput): Promise<string> {
  const text = modelCard(input);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (e) {
    throw new DfpError('STORAGE', `could not write the model card to ${path}: ${messageOf(e)}`, { path }, { cause: e });
  }
  return path;
}
