/** @module Runs the real `dfp` binary in a child process for end-to-end tests, in a fresh workspace. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const DFP_BIN = resolve(import.meta.dirname, '../../bin/dfp.js');

export interface DfpRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `dfp args…` with DFP_HOME set to `env.DFP_HOME` or a new temporary workspace. */
export function runDfp(args: string[], env: Record<string, string> = {}, cwd?: string): DfpRun {
  const home = env.DFP_HOME ?? mkdtempSync(join(tmpdir(), 'dfp-cli-'));
  const r = spawnSync(process.execPath, [DFP_BIN, ...args], { encoding: 'utf8', cwd, env: { ...process.env, DFP_HOME: home, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
