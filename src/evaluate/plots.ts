// Writes the evaluation plots (ROC, precision-recall, score histograms) as SVG files and PNG renderings of them.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { DfpError, messageOf } from '../core/errors.ts';
import { checkLabelsScores } from '../core/ml/eval/index.ts';
import { type ChartInput, histogramSvg, prSvg, rocSvg } from './charts.ts';

/** Paths of the written plot files (dir joined with the file name). */
export interface PlotPaths { roc_svg: string; roc_png: string; pr_svg: string; pr_png: string; hist_svg: string; hist_png: string }

/** Font files tried for PNG text, first found wins; DFP_PLOT_FONT overrides. Debian/Ubuntu: apt-get install fonts-dejavu-core. */
const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
];

/** The font file the PNG renderer uses, or undefined (then it falls back to whatever system fonts it finds). */
export function plotFontFile(): string | undefined {
  const override = process.env.DFP_PLOT_FONT;
  if (override) {
    if (!existsSync(override)) throw new DfpError('NOT_FOUND', `DFP_PLOT_FONT=${override} does not exist; point it at a .ttf file or unset it`);
    return override;
  }
  return FONT_CANDIDATES.find((f) => existsSync(f));
}

/** The font files for PNG text: plotFontFile() and its bold face beside it when there is one (titles are bold). */
function plotFontFiles(): string[] {
  const font = plotFontFile();
  if (!font) return [];
  const bold = font.replace(/(-Regular)?\.ttf$/i, '-Bold.ttf');
  return bold !== font && existsSync(bold) ? [font, bold] : [font];
}

/** Renders an SVG document to PNG at the given zoom (2 = crisp on high-density screens and in documents). */
export function svgToPng(svg: string, zoom = 2): Buffer {
  return renderSvg(svg, zoom).asPng();
}

/** Renders an SVG document with the plot fonts; the result has the raw pixels (tests look at them) and the PNG. */
export function renderSvg(svg: string, zoom = 2): ReturnType<Resvg['render']> {
  const fonts = plotFontFiles();
  try {
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: zoom },
      background: '#ffffff',
      // Named font files keep the output the same on every machine; system fonts are only the fallback.
      font: fonts.length ? { fontFiles: fonts, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: true },
    });
    return resvg.render();
  } catch (e) {
    throw new DfpError('INTERNAL', `could not render a plot to PNG: ${messageOf(e)}`, undefined, { cause: e });
  }
}

/**
 * Writes roc, pr and score-histogram plots into dir (created if missing) as .svg and .png. threshold is the operating
 * threshold (score > threshold → malware), marked on every chart; title prefixes each chart title (e.g. the model name).
 */
export async function writePlots(dir: string, input: ChartInput): Promise<PlotPaths> {
  checkLabelsScores(input.labels, input.scores, 'writePlots');
  const w = await writeCharts(dir, { roc: rocSvg(input), pr: prSvg(input), 'score-histogram': histogramSvg(input) });
  return { roc_svg: w.roc!.svg, roc_png: w.roc!.png, pr_svg: w.pr!.svg, pr_png: w.pr!.png, hist_svg: w['score-histogram']!.svg, hist_png: w['score-histogram']!.png };
}

/** Writes each chart into dir (created if missing) as <name>.svg and its PNG rendering <name>.png; returns both paths per name. */
export async function writeCharts(dir: string, charts: Record<string, string>): Promise<Record<string, { svg: string; png: string }>> {
  await mkdir(dir, { recursive: true });
  const out: Record<string, { svg: string; png: string }> = {};
  for (const [name, svg] of Object.entries(charts)) {
    const paths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
    await writeFile(paths.svg, svg);
    await writeFile(paths.png, svgToPng(svg));
    out[name] = paths;
  }
  return out;
}
