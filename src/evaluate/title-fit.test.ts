// Chart titles name a model and a data path of any length: rendered, they must stay inside the canvas (no ink in the
// margins left and right of the title band), shrinking, wrapping or shortening as needed; short titles are unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { histogramSvg, prSvg, rocSvg } from './charts.ts';
import { plotFontFile, renderSvg } from './plots.ts';
import { WIDTH } from './svg.ts';
import { ellipsize, fitText, textWidth } from './text.ts';

const labels = Uint8Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1 : 0));
const scores = Float32Array.from(labels, (y, i) => (y ? 0.6 + (i % 7) / 20 : (i % 11) / 20));
const LONG_PATH = 'classifier on ../shared/kronodroid/kronodroid-real-2019.csv';

/** Columns of the rendered chart (zoom 1) in the band above the plot that hold any non-white pixel. */
function inkColumns(svg: string, bandHeight: number): number[] {
  const img = renderSvg(svg, 1);
  const px = img.pixels;
  const cols: number[] = [];
  for (let x = 0; x < img.width; x++) {
    for (let y = 0; y < bandHeight; y++) {
      const o = (y * img.width + x) * 4;
      if (px[o]! < 200 || px[o + 1]! < 200 || px[o + 2]! < 200) {
        cols.push(x);
        break;
      }
    }
  }
  return cols;
}

test('long titles stay inside the canvas on every chart, with a margin on both sides', (t) => {
  if (!plotFontFile()) return t.skip('no DejaVu/Liberation font: install fonts-dejavu-core');
  for (const title of [LONG_PATH, `autoencoder on ${'/very/long/folder/name'.repeat(6)}/apps.csv`]) {
    for (const chart of [rocSvg, prSvg, histogramSvg]) {
      const svg = chart({ labels, scores, threshold: 0.5, title });
      const ink = inkColumns(svg, 60);
      assert.ok(ink.length > 100, `${chart.name}: the title is drawn`);
      assert.ok(ink[0]! >= 8 && ink.at(-1)! <= WIDTH - 8, `${chart.name} '${title}': title ink spans x ${ink[0]}..${ink.at(-1)} of ${WIDTH}`);
      assert.ok(svg.includes(`<title id="chart-title">${title} — `), 'the full title stays in <title>');
    }
  }
});

test('a short title keeps one line at 18 px; a long one shrinks, then wraps after " —", then is shortened in the middle', () => {
  assert.match(rocSvg({ labels, scores, threshold: 0.5, title: 'autoencoder, test split' }), /font-size="18" font-weight="bold">autoencoder, test split — ROC curve</);
  const wrapped = fitText(`${LONG_PATH} — precision-recall curve`, 608, { size: 18, minSize: 14, bold: true, maxLines: 2 });
  assert.deepEqual(wrapped.lines, [`${LONG_PATH} —`, 'precision-recall curve']);
  const huge = fitText(`${'x'.repeat(300)} — ROC curve`, 608, { size: 18, minSize: 14, bold: true, maxLines: 2 });
  assert.equal(huge.size, 14);
  assert.match(huge.lines[0]!, /^x+…x+ —$/);
  for (const line of huge.lines) assert.ok(textWidth(line, 14, true) <= 608);
});

test('textWidth follows the font the PNGs use (rendered ink width within a few percent)', (t) => {
  if (!plotFontFile()?.includes('DejaVuSans')) return t.skip('the width table is DejaVu Sans; another font is in use');
  for (const [text, bold] of [['kronodroid-real-2019.csv — ROC curve', true], ['400 rows: 134 malware, 266 benign', false]] as const) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="40"><rect width="${WIDTH}" height="40" fill="#fff"/><text x="10" y="28" font-size="20"${bold ? ' font-weight="bold"' : ''}>${text}</text></svg>`;
    const ink = inkColumns(svg, 40);
    const measured = ink.at(-1)! - ink[0]! + 1;
    const estimate = textWidth(text, 20, bold);
    assert.ok(Math.abs(measured - estimate) / estimate < 0.05, `'${text}': ink ${measured}px, estimate ${estimate.toFixed(1)}px`);
  }
});

test('ellipsize keeps both ends', () => {
  const s = ellipsize('/data/kronodroid/2019/real/very-long-export-name.csv', 150, 13);
  assert.match(s, /^\/data\/kron.*…\S*\.csv$/);
  assert.ok(textWidth(s, 13) <= 150);
  assert.equal(ellipsize('short', 150, 13), 'short');
});
