/**
 * @module Runs left RUNNING by a process that is gone (crashed, killed with SIGKILL, the machine rebooted) are ended
 * FAILED, as MLflow's own runners do, so `dfp runs list` never shows a dead run as running. Only runs whose owner
 * (owner.ts) is on this host and provably gone are touched; a live or unknown owner's run is left alone.
 */
import type { DfpConfig } from '../core/config/schema.ts';
import { isDfpError } from '../core/errors.ts';
import type { Tracking } from '../core/tracking/index.ts';
import { openTracking } from './open.ts';
import { OWNER_TAGS, ownerState } from './owner.ts';

export const END_REASON_TAG = 'dfp.end_reason';

export interface StaleRun {
  runId: string;
  runName: string;
  pid: string;
  host: string;
}

/** Ends every stale RUNNING run FAILED (with a dfp.end_reason tag) and returns them. */
export async function failStaleRuns(t: Tracking): Promise<StaleRun[]> {
  const failed: StaleRun[] = [];
  for (const run of await t.searchRuns({ status: 'RUNNING', maxResults: 1000 })) {
    if (ownerState(run.tags) !== 'gone') continue;
    const id = run.info.runId;
    // Read again now that the owner is known to be gone: it cannot end the run any more, so a run still RUNNING stays
    // so, and one it ended just before dying keeps its status.
    if ((await t.getRun(id)).info.status !== 'RUNNING') continue;
    const pid = run.tags[OWNER_TAGS.pid] ?? '?';
    const host = run.tags[OWNER_TAGS.host] ?? '?';
    try {
      await t.logBatch(id, { tags: { [END_REASON_TAG]: `process ${pid} on ${host} ended without ending the run (crashed or killed)` } });
      await t.endRun(id, 'FAILED');
    } catch (e) {
      // An MLflow run another workspace on this host created: that workspace's outbox owns it and ends it.
      if (isDfpError(e) && e.code === 'NOT_FOUND') continue;
      throw e;
    }
    failed.push({ runId: id, runName: run.info.runName, pid, host });
  }
  return failed;
}

/** What happened to a run `failStaleRuns` ended, in one sentence. */
export function staleNote(r: StaleRun): string {
  return `stale run ${r.runId} (${r.runName}) marked FAILED: it was RUNNING, but its process ${r.pid} on ${r.host} is gone`;
}

/** `failStaleRuns` on the configured backend, as `dfp run` and `dfp train` do first; `note` gets one line per run ended. */
export async function failStaleRunsOf(config: DfpConfig, note: (line: string) => void): Promise<StaleRun[]> {
  const t = await openTracking(config);
  try {
    const runs = await failStaleRuns(t);
    for (const r of runs) note(staleNote(r));
    return runs;
  } finally {
    await t.close();
  }
}
