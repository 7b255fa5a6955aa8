// Tests of the model template parser: ref/source/config extraction, argument syntax, line-preserving expansion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfpError } from '../core/errors.ts';
import { expandModel, parseArgs, parseModel } from './template.ts';

test('refs, sources and config are extracted, each once, in order of appearance', () => {
  const sql = `{{ config(materialized='view', key="sha256") }}
SELECT * FROM {{ ref('b') }} JOIN {{ref("a")}} USING (x)
JOIN {{ source('kronodroid', 'raw') }} USING (x) JOIN {{ ref('b') }} AS b2 USING (x)`;
  const p = parseModel(sql, 'm.sql');
  assert.deepEqual(p.refs, ['b', 'a']);
  assert.deepEqual(p.sources, [{ source: 'kronodroid', table: 'raw' }]);
  assert.deepEqual(p.config, { materialized: 'view', key: 'sha256' });
  assert.deepEqual(p.calls.map((c) => [c.name, c.line]), [['config', 1], ['ref', 2], ['ref', 2], ['source', 3], ['ref', 3]]);
});

test('arguments: quoted strings, bare words and numbers, keywords after positionals only', () => {
  assert.deepEqual(parseArgs(`'a', "b,c", 3, k='v', j=w`, 'x'), { args: ['a', 'b,c', '3'], kwargs: { k: 'v', j: 'w' } });
  assert.deepEqual(parseArgs('  ', 'x'), { args: [], kwargs: {} });
  assert.throws(() => parseArgs(`k='v', 'a'`, 'f.sql:2'), /f\.sql:2: positional argument after keyword/);
  assert.throws(() => parseArgs(`'a' 'b'`, 'f.sql:2'), /cannot read macro arguments/);
});

test('malformed macros are errors that name the file and line', () => {
  assert.throws(() => parseModel('SELECT 1\nFROM {{ ref() }}', 'm.sql'), (e: unknown) => e instanceof DfpError && /m\.sql:2: ref\(\) takes one model name/.test(e.message));
  assert.throws(() => parseModel("{{ source('only') }}", 'm.sql'), /source\(\) takes a source and a table/);
  assert.throws(() => parseModel("{{ config('table') }}", 'm.sql'), /config\(\) takes keyword arguments/);
  assert.throws(() => parseModel('SELECT {{ ref(\'a\') }', 'm.sql'), /unbalanced/);
});

test('expansion keeps every line where it was, even when a macro spans lines', () => {
  const sql = "{{ config(\n  materialized='table'\n) }}\nSELECT x\nFROM {{ ref('a') }}\nWHERE bad";
  const p = parseModel(sql, 'm.sql');
  const out = expandModel(sql, p.calls, (c) => (c.name === 'ref' ? '"a"' : ''));
  assert.equal(out, '\n\n\nSELECT x\nFROM "a"\nWHERE bad');
  assert.equal(out.split('\n').indexOf('WHERE bad') + 1, sql.split('\n').indexOf('WHERE bad') + 1);
});
