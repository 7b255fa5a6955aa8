// Test support: a real S3-protocol server for the S3 backend tests. Starts `moto_server` as a child on a
// free 127.0.0.1 port and creates a bucket; returns null (with the reason) when moto is not installed.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';

export interface Moto {
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Tries a few fresh ports: freePort's port can be taken by another process before moto binds it (moto then exits). */
const ATTEMPTS = 3;

/** Starts moto, or returns the reason it cannot (for t.skip). */
export async function startMoto(bucket = 'dfp-test'): Promise<Moto | string> {
  if (!onPath('moto_server')) return 'moto_server not installed: pip install "moto[server]"';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    };
    try {
      // The deadline only turns a hang into a failure: a loaded machine may take long to import moto.
      const state = await until(
        `moto_server to answer on ${endpoint}`,
        async () => {
          if (child.exitCode !== null) return 'exited';
          try {
            await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(10_000) });
            return 'up';
          } catch {
            return false;
          }
        },
        { timeoutMs: 120_000, everyMs: 100 },
      );
      if (state === 'exited') {
        if (attempt < ATTEMPTS) continue;
        throw new Error(`moto_server exited with code ${child.exitCode} (${ATTEMPTS} ports tried)`);
      }
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      client.destroy();
    } catch (e) {
      await stop();
      throw new Error(`could not start moto_server: ${(e as Error).message}\n${stderr}`, { cause: e });
    }
    return { endpoint, bucket, stop };
  }
}
