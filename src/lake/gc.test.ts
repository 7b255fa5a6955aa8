// Garbage collection against both backends: a local folder, and a real S3-protocol server (moto_server,
// started here on 127.0.0.1; the S3 half skips, visibly, when moto is not installed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PausePoint } from './pause-point.ts';
import { gcContract } from './testing/gc-contract.ts';
import { startMoto } from './testing/moto.ts';
import type { StoreSpec } from './testing/store-spec.ts';

const root = mkdtempSync(join(tmpdir(), 'dfp-lake-gc-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

test('gc on the local backend', (t) =>
  gcContract(t, {
    freshSpec: () => ({ backend: 'local', root: join(root, `lake-${++n}`) }),
    killPoints: ['data-upload', 'after-data-upload', 'before-ref-update', 'ref-lock-held'],
  }));

test('gc on the s3 backend (moto_server)', async (t) => {
  const moto = await startMoto();
  if (typeof moto === 'string') {
    t.skip(moto);
    return;
  }
  t.after(() => moto.stop());
  // Small multipart parts so a killed upload leaves an incomplete multipart upload; small delete batches
  // so deleting a handful of keys crosses DeleteObjects batch boundaries.
  const freshSpec = (): StoreSpec => ({
    backend: 's3',
    endpoint: moto.endpoint,
    bucket: moto.bucket,
    prefix: `gc-${process.pid}/lake-${++n}`,
    multipartThreshold: 5 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
    deleteBatchSize: 3,
  });
  const killPoints: PausePoint[] = ['data-upload', 'after-data-upload', 'before-ref-update'];
  await gcContract(t, { freshSpec, killPoints });
});
