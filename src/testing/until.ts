/**
 * @module Waits for a condition by polling it: the one way tests wait for something to happen, instead of sleeping a
 * guessed time. The deadline only turns a hang into a failure that says what never happened; it is never a claim about
 * speed, so keep it generous.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions {
  /** Give up after this long (a failure guard, not a speed limit). Default 60 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 10 ms. */
  everyMs?: number;
}

/** Resolves with the probe's first truthy result; a probe that throws stops the wait with its error. */
export async function until<T>(what: string, probe: () => T | Promise<T>, opts: UntilOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got) return got as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(opts.everyMs ?? 10);
  }
}
