/**
 * @module dfp's own count of a CSV file's records, independent of DuckDB's reader, so that every record is
 * accounted for: the reader silently drops some damage (a huge last line without a line end) and stops on
 * other damage (CR CR LF line ends). One streamed pass over the bytes with RFC 4180 quoting (a `"` at the
 * start of a field opens it, `""` inside is a quote, the next `"` closes it) finds the record boundaries and
 * what the reader cannot be given:
 *
 * - line ends other than LF or CR LF (bare CR, CR CR LF, blank lines): the reader gets a **normalised copy**
 *   where every record ends in LF (line ends inside quoted fields are data and stay as they are);
 * - records holding a NUL byte, records longer than `maxRecordBytes`, and a quote still open at the end of
 *   the file: **refused** per record, with what was seen and a raw excerpt; the copy leaves them out.
 *
 * Written by hand because no CSV library reports record boundaries and byte offsets without parsing every
 * field into strings (several times slower); the loop jumps between the few bytes that matter with
 * Buffer.indexOf (memchr), so a clean file costs one read.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { QuarantineReason } from './reasons.ts';

/** Longest record dfp hands to the CSV reader; KronoDroid records are 1–7 KB. */
export const MAX_RECORD_BYTES = 1024 * 1024;
const EXCERPT_BYTES = 200;

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const NUL = 0x00;
const COMMA = 0x2c;

export interface RefusedRecord {
  /** 1-based data record number (the header is record 0). */
  rec: number;
  reason: Extract<QuarantineReason, 'row_too_long' | 'nul_byte' | 'malformed'>;
  column: string | null;
  detail: string;
  /** The start of the record, NUL shown as \0, cut at EXCERPT_BYTES. */
  raw: string;
}

export interface RecordScan {
  /** Data records (header excluded; blank lines are not records). */
  records: number;
  refused: RefusedRecord[];
  /** Line ends the reader may misread: bare CR, CR CR LF, blank lines. */
  irregularLineEnds: number;
  /** True when the reader must read the normalised copy instead of the file. */
  needsCopy: boolean;
  /** The normalised copy, when one was asked for and written. */
  copy?: string;
}

export interface ScanOptions {
  gzip: boolean;
  /** Header names, to name the field a NUL byte is in. */
  header?: readonly string[];
  maxRecordBytes?: number;
  /** Write the normalised copy here (header and accepted records, each ending in LF). */
  copyTo?: string;
  /** Read size; tests use tiny ones so that every boundary case falls across two chunks. */
  chunkBytes?: number;
}

/** Bytes of the current record: slices of the chunks it spans, up to the record limit. */
class RecordBytes {
  parts: Buffer[] = [];
  length = 0;
  kept = 0;
  start = 0;
  nulAt = -1;
  tooLong = false;

  reset(start: number): void {
    this.parts = [];
    this.length = 0;
    this.kept = 0;
    this.start = start;
    this.nulAt = -1;
    this.tooLong = false;
  }

  add(chunk: Buffer, from: number, to: number, limit: number): void {
    if (to <= from) return;
    this.length += to - from;
    if (this.tooLong) return;
    this.parts.push(chunk.subarray(from, to));
    this.kept += to - from;
    if (this.length > limit) {
      // Past the limit only the excerpt matters: keep a copy of it instead of holding a 50 MB line.
      this.tooLong = true;
      this.parts = [Buffer.from(this.bytes().subarray(0, EXCERPT_BYTES))];
      this.kept = this.parts[0]!.length;
    }
  }

  bytes(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
  }
}

/** The start of a record of `length` bytes, NUL shown as \0, with … when cut. */
const excerpt = (b: Buffer, length: number) => {
  const head = b.subarray(0, EXCERPT_BYTES).toString('utf8').replaceAll('\0', '\\0');
  return length > EXCERPT_BYTES ? `${head}…` : head;
};

/** Index of the field holding byte `at` of a record (commas outside quotes before it). */
function fieldAt(record: Buffer, at: number): number {
  let field = 0;
  let quoted = false;
  for (let i = 0; i < at && i < record.length; i++) {
    const b = record[i];
    if (quoted) {
      if (b === QUOTE && record[i + 1] === QUOTE) i++;
      else if (b === QUOTE) quoted = false;
    } else if (b === QUOTE && (i === 0 || record[i - 1] === COMMA)) quoted = true;
    else if (b === COMMA) field++;
  }
  return field;
}

/** Next index ≥ from of a byte in chunk, -1 when none; `cache` keeps the last answer per byte. */
function nextOf(chunk: Buffer, byte: number, from: number, cache: Int32Array, slot: number): number {
  const c = cache[slot]!;
  if (c === -1 || c >= from) return c;
  const i = chunk.indexOf(byte, from);
  cache[slot] = i;
  return i;
}

export async function scanRecords(path: string, opts: ScanOptions): Promise<RecordScan> {
  const limit = opts.maxRecordBytes ?? MAX_RECORD_BYTES;
  const input = createReadStream(path, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  const stream = opts.gzip ? input.pipe(createGunzip()) : input;
  const out: WriteStream | undefined = opts.copyTo ? createWriteStream(opts.copyTo) : undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (!out || !pendingBytes) return;
    const ok = out.write(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
    if (!ok) await once(out, 'drain');
  };

  const refused: RefusedRecord[] = [];
  let index = 0; // record index: 0 = header
  let irregular = 0;
  let quoted = false;
  /** The chunk ended on a quote inside a quoted field: the next byte says whether it closes the field. */
  let closing = false;
  /** Last byte of the previous chunk (the byte before a quote at a chunk's start). */
  let lastByte = -1;
  let quoteOpenedAt = -1; // offset in the record of the quote that opened the current quoted run
  /** The line-end run being read outside quotes ("" = not in a run). */
  let run = '';
  let offset = 0; // absolute offset of the chunk start
  const rec = new RecordBytes();

  const endRecord = () => {
    if (rec.length === 0) return; // a blank line: not a record
    const n = index++;
    if (n === 0) {
      // The header was read and planned already (header.ts); it only needs to reach the copy.
      if (out) {
        pending.push(rec.bytes(), Buffer.from([LF]));
        pendingBytes += rec.kept + 1;
      }
      return;
    }
    const bytes = rec.bytes();
    if (rec.tooLong) {
      refused.push({ rec: n, reason: 'row_too_long', column: null, detail: `record of ${rec.length.toLocaleString('en-US')} bytes is longer than the ${limit.toLocaleString('en-US')}-byte limit`, raw: excerpt(bytes, rec.length) });
    } else if (rec.nulAt >= 0) {
      const field = fieldAt(bytes, rec.nulAt);
      const column = opts.header?.[field] ?? null;
      refused.push({ rec: n, reason: 'nul_byte', column, detail: `NUL byte (0x00) at byte ${rec.nulAt} of the record, in field ${field + 1}${column ? ` (${column})` : ''}`, raw: excerpt(bytes, rec.length) });
    } else if (out) {
      pending.push(bytes, Buffer.from([LF]));
      pendingBytes += bytes.length + 1;
    }
  };

  const endRun = () => {
    if (run !== '\n' && run !== '\r\n') irregular++;
    run = '';
  };

  const cache = new Int32Array(4);
  for await (const data of stream as AsyncIterable<Buffer>) {
    const chunk = data;
    cache.fill(-2);
    let pos = 0;
    const len = chunk.length;
    let recFrom = 0; // where the current record's bytes in this chunk begin
    while (pos < len) {
      if (run) {
        // Inside a run of line-end bytes: extend it, or end it at the first other byte.
        const b = chunk[pos]!;
        if (b === CR || b === LF) {
          run += b === CR ? '\r' : '\n';
          pos++;
          continue;
        }
        endRun();
        rec.reset(offset + pos);
        recFrom = pos;
        continue;
      }
      if (closing) {
        // A quote inside a quoted field was the chunk's last byte: `""` is an escaped quote, else the field ends.
        closing = false;
        if (chunk[pos] === QUOTE) pos++;
        else quoted = false;
        continue;
      }
      if (quoted) {
        const q = nextOf(chunk, QUOTE, pos, cache, 0);
        const z = nextOf(chunk, NUL, pos, cache, 3);
        if (z !== -1 && (q === -1 || z < q)) {
          if (rec.nulAt < 0) rec.nulAt = offset + z - rec.start;
          pos = z + 1;
          continue;
        }
        if (q === -1) break;
        if (q + 1 === len) closing = true;
        else if (chunk[q + 1] === QUOTE) pos = q + 2;
        else quoted = false;
        if (closing || !quoted) pos = q + 1;
        continue;
      }
      const q = nextOf(chunk, QUOTE, pos, cache, 0);
      const cr = nextOf(chunk, CR, pos, cache, 1);
      const lf = nextOf(chunk, LF, pos, cache, 2);
      const z = nextOf(chunk, NUL, pos, cache, 3);
      let next = len;
      if (q !== -1 && q < next) next = q;
      if (cr !== -1 && cr < next) next = cr;
      if (lf !== -1 && lf < next) next = lf;
      if (z !== -1 && z < next) next = z;
      if (next === len) break;
      const b = chunk[next]!;
      if (b === QUOTE) {
        // Only a quote that starts a field opens a quoted field; elsewhere it is a literal the reader refuses
        // per record (as DuckDB's reader does), so it must not swallow the line ends that follow.
        const before = next > 0 ? chunk[next - 1] : lastByte;
        if (offset + next === rec.start || before === COMMA) {
          quoted = true;
          quoteOpenedAt = offset + next - rec.start;
        }
        pos = next + 1;
      } else if (b === NUL) {
        if (rec.nulAt < 0) rec.nulAt = offset + next - rec.start;
        pos = next + 1;
      } else {
        rec.add(chunk, recFrom, next, limit);
        endRecord();
        run = b === CR ? '\r' : '\n';
        pos = next + 1;
      }
    }
    if (!run) rec.add(chunk, recFrom, len, limit);
    offset += len;
    lastByte = chunk[len - 1] ?? -1;
    if (pendingBytes > 1 << 20) await flush();
  }
  if (run) endRun();
  else if (rec.length > 0) {
    // The file ends without a line end: an ordinary last record, unless a quote is still open.
    if (quoted && index > 0) {
      const n = index++;
      refused.push({
        rec: n,
        reason: 'malformed',
        column: null,
        detail: `the quote opened at byte ${quoteOpenedAt} of the record is never closed: no line end before the end of the file (${rec.length.toLocaleString('en-US')} bytes), the file may be truncated`,
        raw: excerpt(rec.bytes(), rec.length),
      });
    } else {
      const tooLong = rec.tooLong;
      endRecord();
      if (tooLong) refused.at(-1)!.detail += ', with no line end before the end of the file';
    }
  }
  await flush();
  if (out) {
    out.end();
    await once(out, 'close');
  }
  const records = Math.max(0, index - 1);
  const needsCopy = irregular > 0 || refused.length > 0;
  return { records, refused, irregularLineEnds: irregular, needsCopy, ...(out ? { copy: opts.copyTo } : {}) };
}
