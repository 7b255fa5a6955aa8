// A tiny SVG chart frame (scales, grid, axes, ticks, labels, legend, text alternative) for the evaluation plots.
// Hand-written rather than a charting library: three chart kinds of paths and text need ~150 lines, while the Node
// charting options either need a DOM (d3 + jsdom) or a large runtime (vega), and string output is easy to test.
import { fitText } from './text.ts';

/** Escapes text for SVG element content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A metric with 4 decimals, or "n/a" when undefined (NaN). */
export function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : Number.isNaN(x) ? 'n/a' : x > 0 ? '+∞' : '−∞';
}

/** A threshold or score: 6 significant digits without trailing zeros. */
export function fmtScore(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : fmt(x);
}

/** Colour-blind-safe palette (Okabe-Ito). */
export const COLORS = { benign: '#0072B2', malware: '#D55E00', curve: '#0072B2', point: '#D55E00', guide: '#777777', grid: '#e6e6e6', text: '#222222' };

export const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Round tick values covering [min, max], about `count` of them, at steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export interface Legend { label: string; color: string; mark: 'line' | 'dash' | 'box' | 'dot' }

export interface FrameSpec {
  title: string;
  subtitle?: string;
  /** Long text alternative with the key numbers (goes in <desc>). */
  desc: string;
  xLabel: string;
  yLabel: string;
  xDomain: [number, number];
  yDomain: [number, number];
  legend: Legend[];
  /** 'above' puts the legend in one row between the subtitle and the plot, where no data can hide it. */
  legendAt: 'bottom-right' | 'above';
  /** Tick values; default: round values from niceTicks. */
  xTicks?: number[];
  yTicks?: number[];
  /** Plot body in data coordinates through the given scales. */
  body: (x: (v: number) => number, y: (v: number) => number, area: Area) => string;
}

export interface Area { left: number; top: number; right: number; bottom: number }

export const WIDTH = 640;
export const HEIGHT = 520;

/** Room left and right of the title and subtitle, px. */
const TEXT_MARGIN = 16;

/**
 * A complete SVG document: background, title, grid, axes with ticks and labels, the body, and the legend.
 * The title is measured: it shrinks (18 → 14 px), then wraps onto two lines, then is shortened in the middle, so it
 * always fits; the plot moves down by the extra line. The full title stays in <title>.
 */
export function frame(spec: FrameSpec): string {
  const textWidth = WIDTH - 2 * TEXT_MARGIN;
  const title = fitText(spec.title, textWidth, { size: 18, minSize: 14, bold: true, maxLines: 2 });
  const lineHeight = Math.round(title.size * 1.25);
  const extra = (title.lines.length - 1) * lineHeight;
  const subtitle = spec.subtitle ? fitText(spec.subtitle, textWidth, { size: 13, minSize: 11 }) : undefined;
  const top = (spec.subtitle ? 72 : 56) + extra + (spec.legendAt === 'above' ? 30 : 0);
  const area: Area = { left: 78, top, right: WIDTH - 24, bottom: HEIGHT - 64 };
  const [x0, x1] = spec.xDomain;
  const [y0, y1] = spec.yDomain;
  const x = (v: number) => area.left + ((v - x0) / (x1 - x0)) * (area.right - area.left);
  const y = (v: number) => area.bottom - ((v - y0) / (y1 - y0)) * (area.bottom - area.top);
  const r = (v: number) => Math.round(v * 100) / 100;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" font-family="${FONT}" fill="${COLORS.text}">`,
    `<title id="chart-title">${esc(spec.title)}</title>`,
    `<desc id="chart-desc">${esc(spec.desc)}</desc>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...title.lines.map((line, i) => `<text x="${WIDTH / 2}" y="${28 + i * lineHeight}" text-anchor="middle" font-size="${title.size}" font-weight="bold">${esc(line)}</text>`),
  );
  if (subtitle) out.push(`<text x="${WIDTH / 2}" y="${50 + extra}" text-anchor="middle" font-size="${subtitle.size}" fill="#555555">${esc(subtitle.lines[0] ?? '')}</text>`);
  const grid: string[] = [];
  const ticks: string[] = [];
  for (const t of spec.xTicks ?? niceTicks(x0, x1)) {
    const px = r(x(t));
    grid.push(`M${px} ${area.top}V${area.bottom}`);
    ticks.push(`<line x1="${px}" y1="${area.bottom}" x2="${px}" y2="${area.bottom + 5}" stroke="${COLORS.text}"/>`);
    ticks.push(`<text x="${px}" y="${area.bottom + 20}" text-anchor="middle" font-size="12">${esc(tickLabel(t))}</text>`);
  }
  for (const t of spec.yTicks ?? niceTicks(y0, y1)) {
    const py = r(y(t));
    grid.push(`M${area.left} ${py}H${area.right}`);
    ticks.push(`<line x1="${area.left - 5}" y1="${py}" x2="${area.left}" y2="${py}" stroke="${COLORS.text}"/>`);
    ticks.push(`<text x="${area.left - 9}" y="${py + 4}" text-anchor="end" font-size="12">${esc(tickLabel(t))}</text>`);
  }
  out.push(`<path d="${grid.join('')}" stroke="${COLORS.grid}" stroke-width="1" fill="none"/>`);
  out.push(`<g>${spec.body((v) => r(x(v)), (v) => r(y(v)), area)}</g>`);
  out.push(`<rect x="${area.left}" y="${area.top}" width="${area.right - area.left}" height="${area.bottom - area.top}" fill="none" stroke="${COLORS.text}"/>`);
  out.push(...ticks);
  out.push(`<text x="${(area.left + area.right) / 2}" y="${HEIGHT - 18}" text-anchor="middle" font-size="14">${esc(spec.xLabel)}</text>`);
  const cy = (area.top + area.bottom) / 2;
  out.push(`<text x="22" y="${cy}" text-anchor="middle" font-size="14" transform="rotate(-90 22 ${cy})">${esc(spec.yLabel)}</text>`);
  out.push(legend(spec.legend, spec.legendAt, area));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function tickLabel(t: number): string {
  return Math.abs(t) >= 1e5 ? t.toExponential(0) : String(t);
}

/** Legend: a box inside the plot's bottom-right corner, or one row above the plot. */
function legend(items: Legend[], at: FrameSpec['legendAt'], area: Area): string {
  if (items.length === 0) return '';
  // DejaVu Sans at 12px averages ~7px a character: enough to size the box without measuring text.
  const itemWidth = (i: Legend) => 36 + i.label.length * 7;
  if (at === 'above') {
    const gap = 24;
    const total = items.reduce((w, i) => w + itemWidth(i), 0) + gap * (items.length - 1);
    let lx = (area.left + area.right) / 2 - total / 2;
    const rows = items.map((item) => {
      const row = legendItem(item, lx, area.top - 16);
      lx += itemWidth(item) + gap;
      return row;
    });
    return `<g>${rows.join('')}</g>`;
  }
  const w = 8 + Math.max(...items.map(itemWidth));
  const h = 10 + items.length * 20;
  const lx = area.right - 10 - w;
  const ly = area.bottom - 10 - h;
  const rows = items.map((item, k) => legendItem(item, lx + 8, ly + 15 + k * 20));
  return `<g><rect x="${lx}" y="${ly}" width="${w}" height="${h}" fill="#ffffff" fill-opacity="0.92" stroke="#bbbbbb"/>${rows.join('')}</g>`;
}

/** One legend entry: a 22px mark, then the label, vertically centred on cy. */
function legendItem(item: Legend, x: number, cy: number): string {
  const marks = {
    box: `<rect x="${x}" y="${cy - 6}" width="22" height="12" fill="${item.color}" fill-opacity="0.45" stroke="${item.color}"/>`,
    dot: `<circle cx="${x + 11}" cy="${cy}" r="6" fill="${item.color}" stroke="#ffffff" stroke-width="1.5"/>`,
    line: `<line x1="${x}" y1="${cy}" x2="${x + 22}" y2="${cy}" stroke="${item.color}" stroke-width="2.5"/>`,
    dash: `<line x1="${x}" y1="${cy}" x2="${x + 22}" y2="${cy}" stroke="${item.color}" stroke-width="2.5" stroke-dasharray="6 4"/>`,
  };
  return `${marks[item.mark]}<text x="${x + 28}" y="${cy + 4}" font-size="12">${esc(item.label)}</text>`;
}

/** Drops points closer than half a pixel to the last kept one: a 100k-row curve stays a small file and looks the same. */
export function thin(points: [number, number][]): [number, number][] {
  const kept: [number, number][] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const last = kept[kept.length - 1];
    if (last && i < points.length - 1 && Math.abs(p[0] - last[0]) < 0.5 && Math.abs(p[1] - last[1]) < 0.5) continue;
    kept.push(p);
  }
  return kept;
}
