// Runs independent jobs on worker threads, so fits that do not depend on each other use every core: the product runs
// through tsx (bin/dfp.js), so each worker first registers tsx's loader, then imports the module that does the job.
// Jobs and results cross threads by structured clone (typed arrays are copied once per job).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { DfpError, type ErrorCode } from '../../core/errors.ts';

/** What a worker module exports: `runJob(job)`, called once per job it is given. */
export interface JobModule<J, R> {
  runJob(job: J): Promise<R>;
}

/** Worker count for `wanted` (0 = one per core), never more than the jobs. */
export function workerCount(wanted: number, jobs: number): number {
  return Math.max(1, Math.min(jobs, wanted > 0 ? wanted : availableParallelism()));
}

/**
 * Runs `jobs` through `moduleUrl`'s runJob on `workers` threads; results in job order. `workers` 1 runs them in this
 * thread (no copies, same results). The first failure rejects once every worker has stopped.
 */
export async function runJobs<J, R>(moduleUrl: URL, jobs: readonly J[], workers: number, o: { onDone?: (done: number) => void; signal?: AbortSignal } = {}): Promise<R[]> {
  const { onDone, signal } = o;
  const results = new Array<R>(jobs.length);
  let done = 0;
  if (workers <= 1) {
    const mod = (await import(moduleUrl.href)) as JobModule<J, R>;
    for (const [i, job] of jobs.entries()) {
      if (signal?.aborted) throw signal.reason;
      results[i] = await mod.runJob(job);
      onDone?.(++done);
    }
    return results;
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  // An eval'd CommonJS bootstrap: register tsx in this thread, import the job module, then serve jobs.
  const boot = `
const { parentPort } = require('node:worker_threads');
import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(moduleUrl.href)}); }).then((mod) => {
  parentPort.on('message', async ({ i, job }) => {
    try { parentPort.postMessage({ i, result: await mod.runJob(job) }); }
    catch (e) { parentPort.postMessage({ i, error: { message: e?.message ?? String(e), code: e?.code, details: e?.details } }); }
  });
  parentPort.postMessage({ ready: true });
}, (e) => parentPort.postMessage({ fatal: String(e?.stack ?? e) }));`;
  let next = 0;
  let failure: Error | undefined;
  const serve = (worker: Worker) =>
    new Promise<void>((resolve) => {
      const give = () => {
        if (signal?.aborted) failure ??= signal.reason as Error;
        if (failure || next >= jobs.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        const i = next++;
        worker.postMessage({ i, job: jobs[i] });
      };
      worker.on('message', (m: { ready?: true; i?: number; result?: R; error?: { message: string; code?: string; details?: unknown }; fatal?: string }) => {
        if (m.fatal !== undefined) failure ??= new Error(`a worker thread could not start: ${m.fatal}`);
        // dfp's errors keep their code and details across the thread boundary.
        else if (m.error) failure ??= m.error.code ? new DfpError(m.error.code as ErrorCode, m.error.message, m.error.details as Record<string, unknown>) : new Error(m.error.message);
        else if (m.i !== undefined) {
          results[m.i] = m.result as R;
          onDone?.(++done);
        }
        give();
      });
      worker.on('error', (e) => {
        failure ??= e;
        resolve();
      });
    });
  await Promise.all(Array.from({ length: workers }, () => serve(new Worker(boot, { eval: true }))));
  if (failure) throw failure;
  return results;
}
