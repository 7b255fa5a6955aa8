// Test support: starts a real `mlflow server` (SQLite backend, proxied artifacts) as a child process, waits for /health, stops it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '../../../src/testing/until.ts';

export const MLFLOW_BIN = process.env.MLFLOW_BIN ?? 'mlflow';

/** Null when mlflow is installed, else why the interop tests skip. */
export function mlflowMissing(): string | null {
  const r = spawnSync(MLFLOW_BIN, ['--version'], { encoding: 'utf8', timeout: 60000 });
  if (r.status === 0) return null;
  return `mlflow is not installed (${r.error?.message ?? r.stderr.trim().split('\n').pop()}); install it with: python3 -m pip install "mlflow>=2.16,<4"`;
}

export class MlflowServer {
  private child: ChildProcess | undefined;

  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 120000): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const log = openSync(join(this.dir, 'server.log'), 'a');
    // its own process group, so stop() can end uvicorn and any worker it forks, and nothing else
    this.child = spawn(
      MLFLOW_BIN,
      ['server', '--host', '127.0.0.1', '--port', String(this.port), '--workers', '1', '--backend-store-uri', `sqlite:///${join(this.dir, 'mlflow.db')}`, '--artifacts-destination', join(this.dir, 'artifacts'), '--serve-artifacts'],
      { detached: true, stdio: ['ignore', log, log] },
    );
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`mlflow server exited with ${this.child.exitCode}; see ${join(this.dir, 'server.log')}`);
      try {
        const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        if (r.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    await this.stop();
    throw new Error(`mlflow server did not answer /health within ${timeoutMs} ms; see ${join(this.dir, 'server.log')}`);
  }

  /** SIGKILL simulates a crash; SIGTERM is a clean stop. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    try {
      process.kill(-c.pid, signal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10000);
    await exited;
    clearTimeout(timer);
    // The group's workers may outlive the parent by a moment, and a restart on the same port needs them gone: wait for
    // that (however long a loaded machine takes), ending stragglers the hard way after 10 s.
    const pid = c.pid;
    const gone = () => {
      try {
        process.kill(-pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    const straggle = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 10000);
    try {
      await until(`mlflow server's process group ${pid} to exit`, gone, { everyMs: 100 });
    } finally {
      clearTimeout(straggle);
    }
  }
}
