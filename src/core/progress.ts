/**
 * @module How long-running work reports progress without knowing where it is shown. The CLI passes a
 * terminal bar when stderr is a TTY and plain lines at a modest rate otherwise (src/cli/progress-bar.ts);
 * servers, tests and --json runs pass the silent one.
 */

export interface Progress {
  /** Starts (or restarts) a phase: `total` in `unit`s, or undefined when unknown. */
  start(label: string, total?: number, unit?: string): void;
  /** Sets the absolute amount done in the current phase. */
  update(done: number): void;
  stop(): void;
}

export const silentProgress: Progress = {
  start() {},
  update() {},
  stop() {},
};
