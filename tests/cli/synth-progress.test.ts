// `dfp synth` with stderr not a terminal (a pipe here, as in a log file or CI): progress still shows, as plain lines
// (a start line with the total, a done line), and stdout keeps only the result.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeTrainableCsv } from '../../src/ingest/testing.ts';
import { runDfp } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'dfp-synth-progress-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const from = writeTrainableCsv(dir, 'real.csv', 40, { layout: 'official-real' });

for (const [name, env] of [['a pipe', {}], ['CI', { CI: 'true' }]] as const) {
  test(`dfp synth --rows N prints progress lines when stderr is ${name}`, () => {
    const out = join(dir, `synth-${name.replace(/\W/g, '')}.csv`);
    const r = runDfp(['synth', '--from', from, '--rows', '3000', '--out', out], { DFP_HOME: join(dir, 'ws'), ...env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.ok(lines.includes('synth: started, 3,000 rows'), r.stderr);
    assert.match(r.stderr, /^synth: done, 3,000\/3,000 rows in \d+s$/m);
    assert.ok(lines.indexOf('synth: started, 3,000 rows') < lines.findIndex((l) => l.startsWith('synth: done')));
    assert.ok(!r.stderr.includes('\u001b[') && !r.stderr.includes('\r'), 'no terminal control sequences');
    assert.match(r.stdout, /^wrote 3,000 SYNTHETIC rows to /);
  });
}
