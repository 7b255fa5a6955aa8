// File helpers shared by the exporters: read a model, write an artefact under the output directory.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DfpError } from '../core/errors.ts';

export function readModelBytes(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new DfpError('NOT_FOUND', `cannot read model '${path}': ${(e as Error).message}`);
  }
}

/** Writes `<outDir>/<name><ext>`, creating the directory; the name must be a plain file name. */
export function writeArtifact(outDir: string, name: string, ext: string, bytes: Uint8Array): string {
  if (!/^[\w.-]+$/.test(name)) throw new DfpError('USAGE', `export name '${name}' must be a plain file name (letters, digits, '.', '_', '-')`);
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, name.endsWith(ext) ? name : `${name}${ext}`);
  writeFileSync(path, bytes);
  return path;
}

/** A graph input or output as exporters report it: name, element type and shape (-1 = dynamic). */
export interface TensorInfo {
  name: string;
  dtype: string;
  shape: number[];
}
