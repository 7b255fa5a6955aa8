// dfp's own record count: boundaries, quoting and refusals, identical whatever the read size (every tricky
// byte sequence is also read split across two chunks).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { scanRecords } from './record-scan.ts';
import { scratch } from './testing.ts';

const CASES: Record<string, { text: string; records: number; refused: [number, string][]; needsCopy: boolean; copy?: string }> = {
  lf: { text: 'a,b\n1,2\n3,4\n', records: 2, refused: [], needsCopy: false },
  crlf_no_final_end: { text: 'a,b\r\n1,2\r\n3,4', records: 2, refused: [], needsCopy: false },
  quoted_line_ends: { text: 'a,b\n"x\r\ny",2\n"p""q\n",4\n', records: 2, refused: [], needsCopy: false },
  crcrlf: { text: 'a,b\r\r\n1,2\r\r\n"x\r\r\n",3\r\r\n', records: 2, refused: [], needsCopy: true, copy: 'a,b\n1,2\n"x\r\r\n",3\n' },
  bare_cr_and_blank: { text: 'a,b\r1,2\n\n\n3,4\r', records: 2, refused: [], needsCopy: true, copy: 'a,b\n1,2\n3,4\n' },
  nul: { text: 'a,b\n1,\u00002\n3,4\n', records: 2, refused: [[1, 'nul_byte']], needsCopy: true, copy: 'a,b\n3,4\n' },
  mid_field_quote: { text: 'a,b\nx"y,2\n3,4\n', records: 2, refused: [], needsCopy: false },
  open_quote_at_end: { text: 'a,b\n1,2\n"cut\n', records: 2, refused: [[2, 'malformed']], needsCopy: true, copy: 'a,b\n1,2\n' },
  too_long: { text: `a,b\n1,2\n${'z'.repeat(40)}\n3,4\n${'y'.repeat(50)}`, records: 4, refused: [[2, 'row_too_long'], [4, 'row_too_long']], needsCopy: true, copy: 'a,b\n1,2\n3,4\n' },
};

for (const [name, c] of Object.entries(CASES)) {
  test(`record scan: ${name}`, async () => {
    const dir = scratch('dfp-scan-');
    const path = join(dir, `${name}.csv`);
    writeFileSync(path, c.text, 'latin1');
    for (const chunkBytes of [1, 2, 3, 5, 7, 1 << 20]) {
      const copyTo = join(dir, `${name}-${chunkBytes}.copy`);
      const scan = await scanRecords(path, { gzip: false, header: ['a', 'b'], maxRecordBytes: 30, chunkBytes, copyTo });
      const at = `${name}, ${chunkBytes}-byte reads`;
      assert.equal(scan.records, c.records, at);
      assert.deepEqual(scan.refused.map((r) => [r.rec, r.reason]), c.refused, at);
      assert.equal(scan.needsCopy, c.needsCopy, at);
      if (c.copy !== undefined) assert.equal(readFileSync(copyTo, 'latin1'), c.copy, at);
    }
  });
}

test('record scan: a refused record names its field and keeps a bounded excerpt; gzip reads the same', async () => {
  const dir = scratch('dfp-scan-');
  const text = `Package,read\n"com.a,b",1\u00002\n${'q'.repeat(5000)}\n`;
  const plain = join(dir, 'x.csv');
  const gz = join(dir, 'x.csv.gz');
  writeFileSync(plain, text);
  writeFileSync(gz, gzipSync(text));
  for (const [path, gzip] of [[plain, false], [gz, true]] as const) {
    const scan = await scanRecords(path, { gzip, header: ['Package', 'read'], maxRecordBytes: 1000 });
    assert.equal(scan.records, 2);
    assert.equal(scan.refused[0]!.column, 'read');
    assert.match(scan.refused[0]!.detail, /NUL byte \(0x00\) at byte 11 of the record, in field 2 \(read\)/);
    assert.equal(scan.refused[0]!.raw, '"com.a,b",1\\02');
    assert.equal(scan.refused[1]!.reason, 'row_too_long');
    assert.equal(scan.refused[1]!.raw, `${'q'.repeat(200)}…`);
  }
});
