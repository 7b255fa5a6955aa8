// Fuzz: a few thousand random and garbled requests (random JSON, wrong types, huge numbers, NaN strings, deep nesting,
// truncated JSON, wrong content types) must never get a 5xx, and every error must be the documented JSON shape.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FEATURE_COLUMNS } from '../core/kronodroid/schema.ts';
import { mulberry32 } from '../core/ml/prng.ts';
import { type Harness, startHarness } from './testing/harness.ts';
import { appBody, sampleRows } from './testing/model.ts';

const N = 3000;
let h: Harness;
before(async () => {
  h = await startHarness({ apiKey: 'fuzz-key', bodyLimit: 256 * 1024, maxBatchItems: 20 });
});
after(() => h.close());

const r = mulberry32(2024);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const base = appBody(sampleRows(1, 9));

const WEIRD: unknown[] = [
  'NaN', 'Infinity', '-0', '1e999', '', ' ', '0x10', null, true, false, [], {}, [1, 2], { a: 1 }, -1, 0.5, 1e308, -1e308,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 2 ** 64, '١٢', '\u0000', 'a'.repeat(5000), '__proto__', { __proto__: { read: 1 } },
];

function randomJson(depth: number): unknown {
  const k = r();
  if (depth > 4 || k < 0.3) return pick(WEIRD);
  if (k < 0.55) return Array.from({ length: Math.floor(r() * 5) }, () => randomJson(depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < r() * 6; i++) o[r() < 0.5 ? pick(FEATURE_COLUMNS) : pick(['sha256', 'x', '', '__proto__', 'constructor', 'REBOOT', 'Malware', 'é'])] = randomJson(depth + 1);
  return o;
}

function mutate(): unknown {
  const b: Record<string, unknown> = { ...base };
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const m = r();
    const key = pick(FEATURE_COLUMNS);
    if (m < 0.3) b[key] = pick(WEIRD);
    else if (m < 0.45) delete b[key];
    else if (m < 0.6) b[`${key}${pick(['_', ' ', 'X'])}`] = 1;
    else if (m < 0.75) b.sha256 = pick(['a'.repeat(64), 'z'.repeat(64), 'A'.repeat(63), 12, null]);
    else b[key] = randomJson(0);
  }
  return b;
}

function deep(n: number): string {
  return r() < 0.5 ? `${'['.repeat(n)}1${']'.repeat(n)}` : `${'{"read":'.repeat(n)}1${'}'.repeat(n)}`;
}

function payload(): { body: string; type: string | undefined; url: string } {
  const url = pick(['/v1/score', '/v1/score', '/v1/score', '/v1/score/batch', '/v1/admin/promote', '/get-online-features']);
  const k = r();
  let body: string;
  if (k < 0.1) return { body: JSON.stringify(r() < 0.5 ? base : [base, base]), type: 'application/json', url: pick(['/v1/score', '/v1/score/batch']) };
  if (k < 0.3) body = JSON.stringify(mutate());
  else if (k < 0.5) body = JSON.stringify(randomJson(0));
  else if (k < 0.6) body = JSON.stringify(Array.from({ length: Math.floor(r() * 25) }, () => (r() < 0.5 ? mutate() : base)));
  else if (k < 0.7) {
    const s = JSON.stringify(r() < 0.5 ? base : mutate());
    body = s.slice(0, Math.floor(r() * s.length));
  } else if (k < 0.75) body = deep(Math.floor(r() * 20000));
  else if (k < 0.85) body = Array.from({ length: Math.floor(r() * 200) }, () => String.fromCharCode(Math.floor(r() * 256))).join('');
  else if (k < 0.9) body = JSON.stringify(base).replace(/: ?(\d+)/, `: ${pick(['NaN', 'Infinity', '-Infinity', '1e400', '00', '+1', '.5', '"7"'])}`);
  else body = Array.from({ length: 1 + Math.floor(r() * 4) }, () => (r() < 0.7 ? JSON.stringify(mutate()) : '{bad')).join('\n');
  const type = pick([
    'application/json', 'application/json', 'application/json', 'application/x-ndjson', 'text/plain', 'application/x-www-form-urlencoded',
    'multipart/form-data', 'application/json; charset=latin1', 'application/jsonx', undefined, '',
  ]);
  return { body, type, url };
}

test(`${N} random and garbled requests: never a 5xx, every error is {"error": {code, message}}`, async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const p = payload();
    const headers: Record<string, string> = {};
    if (p.type !== undefined) headers['content-type'] = p.type;
    if (r() < 0.2) headers['x-api-key'] = pick(['fuzz-key', 'wrong', '']);
    const res = await h.app.inject({ method: 'POST', url: p.url, headers, payload: p.body });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    assert.ok(res.statusCode < 500, `#${i} ${p.url} ${p.type} ${p.body.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400 && p.url !== '/get-online-features') {
      const e = res.json().error;
      assert.equal(typeof e.code, 'string', res.body);
      assert.equal(typeof e.message, 'string', res.body);
    }
  }
  // The generator must reach both outcomes, or it tests nothing.
  assert.ok((statuses.get(200) ?? 0) > 100, `too few 200s: ${JSON.stringify([...statuses])}`);
  assert.ok((statuses.get(400) ?? 0) > 500, `too few 400s: ${JSON.stringify([...statuses])}`);
});
