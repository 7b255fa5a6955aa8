// Test-only crash points: with DFP_LAKE_PAUSE_AT=<name>, the process announces the point on stderr and
// stops there forever, so a test can SIGKILL it at a precise moment of a commit. Inert otherwise.

/** The line a paused process writes to stderr; tests wait for it before killing. */
export const PAUSE_MARKER = 'DFP_LAKE_PAUSED';

/** Named moments of a commit, in order. `ref-lock-held` exists only in the local backend. */
export type PausePoint = 'data-upload' | 'after-data-upload' | 'before-ref-update' | 'ref-lock-held';

export async function pausePoint(name: PausePoint): Promise<void> {
  if (process.env.DFP_LAKE_PAUSE_AT !== name) return;
  process.stderr.write(`${PAUSE_MARKER} ${name} pid=${process.pid}\n`);
  // An interval keeps the event loop alive; the promise never settles, so nothing after this runs.
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
}
