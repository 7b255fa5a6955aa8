// The drift charts: both sides' score histograms share one set of bins and the text states the alert rates; the months
// chart labels its axis with the months and says which drifted most. Both render to PNG.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { monthsSvg, scoreShiftSvg } from './drift-charts.ts';
import { svgToPng } from './plots.ts';

test('score shift chart: counts and alert rates of both sides, threshold line', () => {
  const svg = scoreShiftSvg({ title: 'det v1', threshold: 0.5, reference: [0.1, 0.2, 0.6, 0.7], current: [0.6, 0.7, 0.8, 0.9, 0.2] });
  assert.match(svg, /<title id="chart-title">det v1 — scores, reference vs current<\/title>/);
  assert.match(svg, /4 reference and 5 current apps/);
  assert.match(svg, /2 of 4 reference apps and 4 of 5 current apps above it/);
  assert.match(svg, /alert rate at 0\.5: 50\.0 % of reference, 80\.0 % of current apps/);
  assert.match(svg, /stroke-dasharray="6 4"/);
  assert.ok(svgToPng(svg).subarray(1, 4).toString() === 'PNG');
});

test('months chart: month names on the axis, the most drifted month named', () => {
  const months = ['2020-01', '2020-02', '2020-03'].map((month, i) => ({ month, rows: 40, drifted_features: [2, 30, 9][i]!, mean_psi: 0.1, alert_rate: [0.05, 0.2, 0.1][i]!, score_psi: 0.1 }));
  const svg = monthsSvg({ months, features: 100, referenceAlertRate: 0.04 });
  for (const m of ['2020-01', '2020-02', '2020-03']) assert.match(svg, new RegExp(`>${m}</text>`));
  assert.match(svg, /most drifted: 2020-02, 30 of 100 features/);
  assert.match(svg, /reference alert rate 4\.0 %/);
  assert.ok(svgToPng(svg).subarray(1, 4).toString() === 'PNG');
  const without = monthsSvg({ months: months.map((m) => ({ ...m, alert_rate: null, score_psi: null })), features: 100, referenceAlertRate: null });
  assert.doesNotMatch(without, /alert rate/);
});
