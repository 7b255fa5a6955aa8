// Integrity of the lake on both backends: a local folder, and a real S3-protocol server (moto_server,
// started here on 127.0.0.1; the S3 half skips, visibly, when moto is not installed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { integrityContract } from './testing/integrity-contract.ts';
import { startMoto } from './testing/moto.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-lake-integrity-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

test('integrity on the local backend', (t) => integrityContract(t, { freshSpec: () => ({ backend: 'local', root: join(root, `lake-${++n}`) }), remote: false }));

test('integrity on the s3 backend (moto_server)', async (t) => {
  const moto = await startMoto();
  if (typeof moto === 'string') {
    t.skip(moto);
    return;
  }
  t.after(() => moto.stop());
  await integrityContract(t, { freshSpec: () => ({ backend: 's3', endpoint: moto.endpoint, bucket: moto.bucket, prefix: `integrity-${process.pid}/lake-${++n}` }), remote: true });
});
