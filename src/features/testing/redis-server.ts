// Test support: a real, throwaway redis-server on a free local port (no persistence), or a reason to
// skip when redis-server is not installed. CI installs it (apt-get install redis-server).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from '../../testing/free-port.ts';
import { until } from '../../testing/until.ts';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Null when redis-server is not on PATH. */
export function redisServerMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.error || r.status !== 0 ? `redis-server not installed: ${r.error?.message ?? r.stderr}; apt-get install -y redis-server` : null;
}

/** Tries a few fresh ports: freePort's port can be taken by another process before redis binds it. */
const ATTEMPTS = 3;

export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    const keep = (d: Buffer) => (log = (log + d.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let exited = false;
    child.once('exit', () => (exited = true));
    const stop = () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    // Ready is redis saying so (then the port is its own), not something answering on the port.
    const state = await until(`redis-server to accept connections on 127.0.0.1:${port}`, () =>
      exited ? 'exited' : /Ready to accept connections/.test(log) ? 'ready' : false,
    ).catch(async (e: unknown) => {
      await stop();
      throw new Error(`${(e as Error).message}\n${log}`, { cause: e });
    });
    if (state === 'ready') return { url: `redis://127.0.0.1:${port}`, port, stop };
    if (attempt === ATTEMPTS) throw new Error(`redis-server exited before listening (${ATTEMPTS} ports tried):\n${log}`);
  }
}
