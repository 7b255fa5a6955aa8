/**
 * @module SIGINT/SIGTERM during training, turned into an abort the training loop sees between two steps. Without it
 * Node dies on the spot and the tracked run stays RUNNING forever; with it the run is ended KILLED, the checkpoint
 * stays, and the command exits 130/143 as a signal-stopped process would. A second signal does not wait: it exits at
 * once (the run then stays RUNNING until `dfp runs list` finds its process gone and marks it FAILED).
 */
import { DfpError } from '../core/errors.ts';

export interface Interruption {
  /** Aborted with a DfpError('INTERRUPTED', …, { signal }) when a signal arrived. */
  readonly signal: AbortSignal;
  /** Restores Node's default handling. */
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const EXIT: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

/** Watches SIGINT and SIGTERM until `dispose()`; `what` names the work in the messages. */
export function watchInterrupts(what: string): Interruption {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`dfp: ${sig} again: stopping ${what} now, without cleaning up\n`);
      process.exit(EXIT[sig as keyof typeof EXIT] ?? 130);
    }
    controller.abort(new DfpError('INTERRUPTED', `${what} interrupted by ${sig}`, { signal: sig }));
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}

/** Throws the interruption's DfpError when a signal has arrived; call it where stopping is safe. */
export function checkInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason as Error;
}
