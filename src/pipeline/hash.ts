// Step cache keys: sha256 over canonical JSON of everything a step's result depends on.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { canonicalJson } from '../lake/canonical.ts';

/** Bump when a step's behaviour changes in a way its inputs do not show, so old cache entries stop matching. */
export const PIPELINE_VERSION = 1;

export function stepKey(parts: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson({ pipeline: PIPELINE_VERSION, ...parts })).digest('hex');
}

/** Hash of every file under a folder (names and bytes): the transform project's SQL, schema tests and seeds. */
export function hashTree(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${relative(dir, p)}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(dir);
  return h.digest('hex');
}

export function hashFile(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
