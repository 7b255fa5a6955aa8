// Runs one pipeline step with caching: a step whose key matches its last successful record (and whose
// output still exists) is reported `cached`; otherwise it runs, and its record is saved at once so a
// later failure keeps it. A failure is recorded and rethrown naming the step.
import { DfpError } from '../core/errors.ts';
import { asDfpError } from '../core/faults.ts';
import type { Progress } from '../core/progress.ts';
import { saveState } from './state.ts';
import type { PipelineState, StepStatus } from './types.ts';

export interface StepSpec<T extends Record<string, unknown>> {
  key: string;
  /** Whether a cached output is still usable (its commit, files or registry version still exist). */
  valid?: (output: T) => Promise<boolean> | boolean;
  run: () => Promise<T>;
}

export class StepFailed extends DfpError {}

export class StepRunner {
  readonly report: Record<string, { status: StepStatus; seconds: number; error?: string }> = {};
  private index = 0;

  constructor(
    private readonly workspace: string,
    private readonly state: PipelineState,
    private readonly total: number,
    private readonly progress: Progress,
    private readonly log: (line: string) => void,
    /** The command line that resumes this run, repeated in the failure hint (its overrides pick the data and models). */
    private readonly rerun = 'dfp run',
  ) {}

  /** `build` computes the key (hashing inputs may fail too: that failure belongs to this step). */
  async step<T extends Record<string, unknown>>(name: string, build: () => Promise<StepSpec<T>> | StepSpec<T>): Promise<T> {
    this.index++;
    const started = performance.now();
    const prefix = `[${this.index}/${this.total}] ${name}`;
    let key = '';
    this.progress.start(prefix);
    try {
      const spec = await build();
      key = spec.key;
      const last = this.state.steps[name];
      if (last && last.status !== 'failed' && last.key === key && last.output) {
        const output = last.output as T;
        // A check that cannot run (a commit gone, a store unreachable) means: run the step again.
        if (await Promise.resolve(spec.valid ? spec.valid(output) : true).catch(() => false)) return this.finish(name, key, 'cached', started, prefix, output);
      }
      const output = await spec.run();
      return this.finish(name, key, 'ran', started, prefix, output);
    } catch (e) {
      const seconds = (performance.now() - started) / 1000;
      const error = asDfpError(e); // a full disk in a step is STORAGE, not INTERNAL
      const message = error.message;
      this.state.steps[name] = { key, status: 'failed', seconds, finished_at: new Date().toISOString(), error: message };
      saveState(this.workspace, this.state);
      this.report[name] = { status: 'failed', seconds: round(seconds), error: message };
      this.log(`${prefix} failed after ${seconds.toFixed(1)}s: ${message}`);
      throw new StepFailed(
        error.code,
        `step '${name}' failed: ${message}\nfix the cause and run \`${this.rerun}\` again: completed steps are cached and the run resumes at '${name}'`,
        { step: name, ...(error.details ? { cause: error.details } : {}) },
        { cause: e },
      );
    } finally {
      this.progress.stop();
    }
  }

  private finish<T extends Record<string, unknown>>(name: string, key: string, status: 'ran' | 'cached', started: number, prefix: string, output: T): T {
    const seconds = (performance.now() - started) / 1000;
    if (status === 'ran') {
      this.state.steps[name] = { key, status, seconds, finished_at: new Date().toISOString(), output };
      saveState(this.workspace, this.state);
    }
    this.report[name] = { status, seconds: round(seconds) };
    this.log(`${prefix} ${status} in ${seconds.toFixed(1)}s`);
    return output;
  }
}

const round = (s: number) => Math.round(s * 1000) / 1000;
