// Text width for laying out chart text without a DOM: the advance widths of DejaVu Sans, the font the PNGs are
// rendered with (plots.ts), copied from the hmtx tables of DejaVuSans.ttf and DejaVuSans-Bold.ttf. Titles name a model
// and a data path of any length, so the frame measures them and shrinks, wraps or shortens them to fit instead of
// letting the canvas cut them off at both edges.

/** Advance widths of U+0020..U+007E in thousandths of an em. */
const REGULAR = [
  318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
  1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
  500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
];
const BOLD = [
  348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
  1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
  500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
];
/** A few non-ASCII characters the charts use; anything else counts as a full em (wide enough for any glyph). */
const OTHER: Record<string, [number, number]> = { '—': [1000, 1000], '–': [500, 500], '…': [1000, 1000], '’': [318, 380], '≤': [838, 838], '≥': [838, 838], '×': [838, 838], '→': [838, 838] };

/** Width in px of `text` at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    em += code >= 32 && code <= 126 ? table[code - 32]! : (OTHER[ch]?.[bold ? 1 : 0] ?? 1000);
  }
  return (em / 1000) * size;
}

/** `text` shortened in the middle with "…" to fit `width` (the start and the end of a path both say something). */
export function ellipsize(text: string, width: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= width) return text;
  const chars = [...text];
  for (let keep = chars.length - 1; keep > 0; keep--) {
    const head = Math.ceil(keep / 2);
    const candidate = `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
    if (textWidth(candidate, size, bold) <= width) return candidate;
  }
  return '…';
}

export interface FitOptions {
  /** Preferred font size, px. */
  size: number;
  /** Smallest size to shrink to before wrapping or shortening. */
  minSize: number;
  bold?: boolean;
  /** Lines it may wrap onto (1 or 2). */
  maxLines?: 1 | 2;
}

/** Where to break a line in two: after the last " —" (title — chart kind), else at the space nearest the middle. */
function breakPoint(text: string): [string, string] | undefined {
  const dash = text.lastIndexOf(' — ');
  if (dash > 0) return [text.slice(0, dash + 2), text.slice(dash + 3)];
  const spaces = [...text.matchAll(/ /g)].map((m) => m.index);
  if (spaces.length === 0) return undefined;
  const mid = text.length / 2;
  const at = spaces.reduce((best, i) => (Math.abs(i - mid) < Math.abs(best - mid) ? i : best));
  return [text.slice(0, at), text.slice(at + 1)];
}

/**
 * Lays `text` out within `width` px: one line at the largest size from `size` down to `minSize`; otherwise (maxLines 2)
 * two lines at the largest size that fits both; otherwise the longest line(s) shortened in the middle at `minSize`.
 */
export function fitText(text: string, width: number, o: FitOptions): { lines: string[]; size: number } {
  const bold = o.bold ?? false;
  const fits = (line: string, size: number) => textWidth(line, size, bold) <= width;
  for (let size = o.size; size >= o.minSize; size--) if (fits(text, size)) return { lines: [text], size };
  const parts = (o.maxLines ?? 1) > 1 ? breakPoint(text) : undefined;
  if (parts) {
    for (let size = o.size; size >= o.minSize; size--) if (parts.every((p) => fits(p, size))) return { lines: parts, size };
    return { lines: parts.map((p) => ellipsize(p, width, o.minSize, bold)), size: o.minSize };
  }
  return { lines: [ellipsize(text, width, o.minSize, bold)], size: o.minSize };
}
