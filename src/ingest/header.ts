/** @module Sniffs a data file: its format from the first bytes, and a CSV file's header record. */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { DfpError, messageOf } from '../core/errors.ts';
import type { FileFormat } from './types.ts';

/** Format by magic bytes (extensions lie, downloads have none). */
export async function sniffFormat(path: string): Promise<FileFormat> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    const head = buf.subarray(0, bytesRead);
    if (head.length >= 4 && head.readUInt32BE(0) === 0x504b0304) return 'zip';
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'csv.gz';
    if (head.toString('latin1') === 'PAR1') return 'parquet';
    return 'csv';
  } finally {
    await fh.close();
  }
}

/** Largest header we read before giving up: KronoDroid's is ~6 kB. */
const MAX_HEADER_BYTES = 1 << 20;

/** Reads the first CSV record (RFC 4180 quoting) of a plain or gzipped file. */
export async function readCsvHeader(path: string, gzip: boolean): Promise<string[]> {
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const stream = gzip ? raw.pipe(createGunzip()) : raw;
  let text = '';
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      const fields = firstRecord(text);
      if (fields) return fields;
      if (text.length > MAX_HEADER_BYTES) break;
    }
  } catch (e) {
    throw new DfpError('INPUT_INVALID', `cannot read ${path}: ${messageOf(e)}`, { file: path }, { cause: e });
  } finally {
    raw.destroy();
  }
  const last = firstRecord(`${text}\n`);
  if (last && last.some((f) => f !== '')) return last;
  throw new DfpError('INPUT_INVALID', `${path} has no CSV header line`, { file: path });
}

/** Fields of the first complete record in `text`, or undefined when the record is not complete yet. */
function firstRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a UTF-8 BOM is not part of the first name
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      return fields;
    } else field += ch;
  }
  return undefined;
}
