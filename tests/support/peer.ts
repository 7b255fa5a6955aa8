/**
 * @module Python interoperability peers installed by `.ci/run`, each in its own virtual environment
 * ($DFP_PEERS/<name>, default ~/.cache/dfp/peers/<name>, requirements in .ci/peers/<name>.txt), so peers with
 * clashing pins never share one site-packages. A test asks for a peer's executable and skips, naming the
 * install command, when it is not there.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

export const PEERS_DIR = process.env.DFP_PEERS ? resolve(process.env.DFP_PEERS) : join(homedir(), '.cache', 'dfp', 'peers');

/** Path of an executable in a peer's venv (`python`, `airflow`, `feast`, …), or null when it is not installed. */
export function peerPath(name: string, exe = 'python'): string | null {
  const path = join(PEERS_DIR, name, 'bin', exe);
  return existsSync(path) ? path : null;
}

/** The executable's path; otherwise marks the test skipped with the command that installs the peer. */
export function peerBin(t: TestContext, name: string, exe = 'python'): string | null {
  const path = peerPath(name, exe);
  if (path) return path;
  const venv = join(PEERS_DIR, name);
  t.skip(`test peer '${name}' is not installed (${venv}/bin/${exe} missing): run .ci/run, or ` +
    `python3 -m venv ${venv} && ${venv}/bin/pip install -r .ci/peers/${name}.txt`);
  return null;
}
