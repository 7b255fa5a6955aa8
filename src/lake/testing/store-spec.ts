// Test support: a serialisable description of an object store, so a test and the child processes it
// spawns (to be killed mid-commit) open the very same lake.
import type { ObjectStore } from '../../core/lake/object-store.ts';
import { LocalObjectStore } from '../backends/local/local-store.ts';
import { S3ObjectStore } from '../backends/s3/s3-store.ts';

export type StoreSpec =
  | { backend: 'local'; root: string }
  | { backend: 's3'; endpoint: string; bucket: string; prefix: string; multipartThreshold?: number; partSize?: number; deleteBatchSize?: number };

export function storeFromSpec(spec: StoreSpec): ObjectStore {
  if (spec.backend === 'local') return new LocalObjectStore(spec.root);
  return new S3ObjectStore({
    bucket: spec.bucket,
    prefix: spec.prefix,
    region: 'us-east-1',
    endpoint: spec.endpoint,
    // moto accepts any credentials; fixed ones keep the tests independent of the developer's AWS setup.
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
    forcePathStyle: true,
    multipartThreshold: spec.multipartThreshold,
    partSize: spec.partSize,
    deleteBatchSize: spec.deleteBatchSize,
  });
}
