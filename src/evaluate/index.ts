// Public surface of evaluation output: plots (SVG + PNG) and the model card (Markdown).

/** Writes roc, pr and score-histogram plots as SVG and PNG; svgToPng renders with a fixed font (DejaVu Sans). */
export { type PlotPaths, plotFontFile, svgToPng, writePlots } from './plots.ts';
/** The charts as SVG strings, for callers that embed them elsewhere. */
export { type ChartInput, histogramSvg, prSvg, rocSvg } from './charts.ts';
/** Number formatting shared by the charts and the card (NaN → "n/a"), and the tick helper. */
export { fmt, fmtScore, niceTicks } from './svg.ts';
/** The model card: Markdown with overview, data, config, metrics, confusion matrix, per-family detection, plots, use and limits. */
export {
  type CardPlots,
  type ModelCardInput,
  type SplitSummary,
  type TrainingData,
  MAX_GROUP_ROWS,
  modelCard,
  writeModelCard,
} from './model-card.ts';
