// Persists step records (<workspace>/runs/pipeline/state.json) and the last summary (<workspace>/runs/last-run.json).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PipelineState, RunSummary } from './types.ts';

export const statePath = (workspace: string): string => join(workspace, 'runs', 'pipeline', 'state.json');
export const lastRunPath = (workspace: string): string => join(workspace, 'runs', 'last-run.json');

export function loadState(workspace: string): PipelineState {
  const file = statePath(workspace);
  if (!existsSync(file)) return { format_version: 1, steps: {} };
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as PipelineState;
    if (s.format_version === 1 && s.steps && typeof s.steps === 'object') return s;
  } catch {
    // An unreadable state only costs a full re-run; never a reason to fail.
  }
  return { format_version: 1, steps: {} };
}

/** Write-then-rename so a crash mid-write never leaves a half file for the next run (or the dashboard) to read. */
function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function saveState(workspace: string, state: PipelineState): void {
  writeAtomic(statePath(workspace), `${JSON.stringify(state, null, 1)}\n`);
}

export function saveLastRun(workspace: string, summary: RunSummary): void {
  writeAtomic(lastRunPath(workspace), `${JSON.stringify(summary, null, 1)}\n`);
}
