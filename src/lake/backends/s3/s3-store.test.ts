// The S3 backend against the shared contract, on a real S3-protocol server (moto_server, started here
// on 127.0.0.1 and stopped at the end). Skips, visibly, when moto is not installed.
import { test } from 'node:test';
import { lakeContract, objectStoreContract } from '../../testing/contract.ts';
import { startMoto } from '../../testing/moto.ts';
import type { StoreSpec } from '../../testing/store-spec.ts';

test('s3 backend on moto_server', async (t) => {
  const moto = await startMoto();
  if (typeof moto === 'string') {
    t.skip(moto);
    return;
  }
  t.after(() => moto.stop());
  let n = 0;
  // Small multipart settings so the big kill-test table goes through the multipart path.
  const freshSpec = (): StoreSpec => ({
    backend: 's3',
    endpoint: moto.endpoint,
    bucket: moto.bucket,
    prefix: `run-${process.pid}/lake-${++n}`,
    multipartThreshold: 5 * 1024 * 1024,
    partSize: 5 * 1024 * 1024,
  });
  const env = { freshSpec, killPoints: ['data-upload', 'after-data-upload', 'before-ref-update'] as ('data-upload' | 'after-data-upload' | 'before-ref-update')[] };
  await t.test('object store contract', (tt) => objectStoreContract(tt, env));
  await t.test('lake contract', (tt) => lakeContract(tt, env));
});
