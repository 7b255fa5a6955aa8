// Plot files: valid SVG (strict XML parse) with the key numbers in their text alternative; PNGs that decode as PNG.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { evaluateScores } from '../core/ml/eval/index.ts';
import { mulberry32, normal } from '../core/ml/prng.ts';
import { fmt, niceTicks, plotFontFile, svgToPng, writePlots } from './index.ts';

function sample(n: number, seed: number): { labels: Uint8Array; scores: Float32Array } {
  const rand = mulberry32(seed);
  const gauss = normal(rand);
  const labels = Uint8Array.from({ length: n }, () => (rand() < 0.4 ? 1 : 0));
  const scores = Float32Array.from(labels, (y) => 1 / (1 + Math.exp(-(gauss() * 1.3 + (y ? 2 : -2)))));
  return { labels, scores };
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(buf: Buffer): { width: number; height: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

function svgDoc(path: string): { title: string; desc: string } {
  const text = readFileSync(path, 'utf8');
  assert.equal(XMLValidator.validate(text), true, `${path} is not well-formed XML`);
  type Node = { '#text': string };
  const svg = new XMLParser({ ignoreAttributes: false }).parse(text).svg as { title: Node; desc: Node; '@_xmlns': string };
  assert.equal(svg['@_xmlns'], 'http://www.w3.org/2000/svg');
  return { title: svg.title['#text'], desc: svg.desc['#text'] };
}

test('a font file for PNG text is present (Debian: apt-get install fonts-dejavu-core, or set DFP_PLOT_FONT)', () => {
  assert.ok(plotFontFile(), 'no DejaVu/Liberation font found: PNG plots would have no text');
});

test('writePlots writes valid SVGs with the key numbers in <title>/<desc>, and PNG renderings of them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-plots-'));
  try {
    const { labels, scores } = sample(2000, 11);
    const threshold = 0.5;
    const ev = evaluateScores(labels, scores, { threshold });
    const paths = await writePlots(join(dir, 'nested', 'plots'), { labels, scores, threshold, title: 'mlp <v1> & co' });
    assert.deepEqual(Object.keys(paths).sort(), ['hist_png', 'hist_svg', 'pr_png', 'pr_svg', 'roc_png', 'roc_svg']);
    const roc = svgDoc(paths.roc_svg);
    assert.equal(roc.title, 'mlp <v1> & co — ROC curve'); // escaped in the file, intact once parsed
    assert.ok(roc.desc.includes(`ROC AUC ${fmt(ev.roc_auc)}`), roc.desc);
    assert.ok(roc.desc.includes(`false-positive rate ${fmt(ev.fpr)}`) && roc.desc.includes(`true-positive rate (recall) ${fmt(ev.recall)}`), roc.desc);
    const pr = svgDoc(paths.pr_svg);
    assert.ok(pr.desc.includes(`Average precision (PR AUC) ${fmt(ev.pr_auc)}`), pr.desc);
    assert.ok(pr.desc.includes(`precision ${fmt(ev.precision)}`) && pr.desc.includes(`F1 ${fmt(ev.f1)}`), pr.desc);
    const hist = svgDoc(paths.hist_svg);
    const { tp, fp } = ev.confusion;
    assert.ok(hist.desc.includes(`${fp} of ${ev.n - ev.positives} benign`) && hist.desc.includes(`${tp} of ${ev.positives} malware`), hist.desc);
    for (const png of [paths.roc_png, paths.pr_png, paths.hist_png]) {
      const { width, height } = pngSize(readFileSync(png));
      assert.deepEqual({ width, height }, { width: 1280, height: 1040 });
      assert.ok(statSync(png).size > 20_000, `${png} looks empty`);
    }
    // A 2000-row curve is thinned to what the pixels can show.
    assert.ok(statSync(paths.roc_svg).size < 60_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('text is drawn: the same chart with and without its labels renders differently', () => {
  const base = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#fff"/>';
  const blank = svgToPng(`${base}</svg>`, 1);
  const text = svgToPng(`${base}<text x="5" y="25" font-size="16">AUC 0.93</text></svg>`, 1);
  assert.notDeepEqual(text, blank);
});

test('one-class data still plots, saying the curves are undefined', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dfp-plots-'));
  try {
    const paths = await writePlots(dir, { labels: [0, 0, 0], scores: [-2, 0.5, 3], threshold: 1, title: 'benign only' });
    assert.ok(svgDoc(paths.roc_svg).desc.includes('ROC AUC n/a'));
    assert.ok(readFileSync(paths.pr_svg, 'utf8').includes('PR curve undefined: no malware rows'));
    assert.ok(svgDoc(paths.hist_svg).desc.includes('from -2 to 3'));
    pngSize(readFileSync(paths.hist_png));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('niceTicks gives round steps that cover the range', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-2.5, 3), [-2, 0, 2]);
  assert.deepEqual(niceTicks(0, 0.17), [0, 0.05, 0.1, 0.15]);
});
