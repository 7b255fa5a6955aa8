// The reasons table is the one place a quarantine reason is spelled: what it generates must agree with it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detailSql, REASON_LIST, readerReasonSql, reasonOf } from './reasons.ts';
import { query } from './testing.ts';

test('README documents every quarantine reason with what it means', () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  for (const { reason, means } of REASON_LIST) assert.ok(readme.includes(`| \`${reason}\` | ${means} |`), `README lacks ${reason}`);
});

test('generated SQL: reader error types, count reasons in priority order, details', async () => {
  const reader = readerReasonSql('t');
  const rows = await query<{ t: string; r: string }>(
    `SELECT t, ${reader} AS r FROM (VALUES ('CAST'), ('TOO MANY COLUMNS'), ('MISSING COLUMNS'), ('UNQUOTED VALUE'), ('SOMETHING NEW')) v(t)`,
  );
  assert.deepEqual(Object.fromEntries(rows.map((x) => [x.t, x.r])), {
    CAST: 'non_numeric',
    'TOO MANY COLUMNS': 'field_count',
    'MISSING COLUMNS': 'field_count',
    'UNQUOTED VALUE': 'malformed',
    'SOMETHING NEW': 'malformed',
  });
  const count = reasonOf('count', { v: 'v', max: '100', purpose: 'ingest' })!;
  const counts = await query<{ v: number | null; r: string }>(`SELECT v, ${count} AS r FROM (VALUES (NULL), ('nan'::DOUBLE), (-1.5), (1000.0), (2.5)) t(v)`);
  assert.deepEqual(counts.map((x) => x.r), ['non_numeric', 'non_numeric', 'negative', 'out_of_range', 'not_integer']);
  assert.equal(reasonOf('label', { v: 'v', max: '1', purpose: 'score' }), "'bad_label'", 'an empty label is no problem when scoring');
  assert.equal(reasonOf('package', { v: 'v', max: '1', purpose: 'ingest' }), undefined);
  const details = await query<{ d: string }>(`SELECT ${detailSql('r', 'v')} AS d FROM (VALUES ('non_numeric', ''), ('negative', '-4'), ('bad_label', 'yes')) t(r, v)`);
  assert.deepEqual(details.map((x) => x.d), ['empty value', 'value -4 is negative', 'the label must be 0 or 1, not "yes"']);
});
