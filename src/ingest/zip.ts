/** @module Unpacks the data files (.csv, .csv.gz, .parquet) of a zip archive to local files DuckDB can read. */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { DfpError, messageOf } from '../core/errors.ts';
import type { InputFile } from './types.ts';

const DATA = /\.(csv|csv\.gz|parquet)$/i;

function openZip(path: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (err, zip) => (err ? reject(err) : resolve(zip)));
  });
}

/**
 * Extracts every data member into `dir` (under generated names, so a hostile member path cannot escape
 * it) and returns them in name order. `name` is the archive's lineage name; members get `name!/member`.
 */
export async function extractZip(path: string, name: string, dir: string): Promise<InputFile[]> {
  await mkdir(dir, { recursive: true });
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `${name} is not a readable zip archive: ${messageOf(e)}`, { file: name }, { cause: e });
  }
  const out: InputFile[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const member = entry.fileName;
      const base = member.split('/').pop() ?? '';
      // Folders, macOS resource forks and hidden files are not data.
      if (member.endsWith('/') || member.startsWith('__MACOSX/') || base.startsWith('.') || !DATA.test(base)) continue;
      const ext = base.toLowerCase().endsWith('.csv.gz') ? 'csv.gz' : base.toLowerCase().endsWith('.parquet') ? 'parquet' : 'csv';
      const target = join(dir, `member-${out.length}-${Math.random().toString(36).slice(2, 8)}.${ext}`);
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(target));
      out.push({ path: target, name: `${name}!/${member}`, format: ext });
    }
  } catch (e) {
    if (e instanceof DfpError) throw e;
    throw new DfpError('INPUT_INVALID', `cannot unpack ${name}: ${messageOf(e)}`, { file: name }, { cause: e });
  } finally {
    zip.close();
  }
  if (out.length === 0) throw new DfpError('INPUT_INVALID', `${name} holds no .csv, .csv.gz or .parquet file`, { file: name });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
