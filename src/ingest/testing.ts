/**
 * @module Test support for ingest: KronoDroid-shaped CSV built from the schema module (small numbers,
 * never real data), a scratch workspace, and a preparation call with the usual defaults.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { loadConfig } from '../core/config/load.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { COUNT_COLUMNS, ENHANCED_HEADER, type Layout, lakeName } from '../core/kronodroid/schema.ts';
import { openDuckDb, queryRows } from '../engine/duckdb/connection.ts';
import { prepareIngest } from './prepare.ts';
import type { InputFile, PreparedIngest } from './types.ts';

const ENHANCED_ONLY = ['Categories', 'Highest-date', 'year_month', 'Year'];

/** The header of a layout, in the dataset's order. */
export function headerFor(layout: Layout = 'enhanced'): string[] {
  if (layout === 'enhanced') return [...ENHANCED_HEADER];
  const base = ENHANCED_HEADER.filter((h) => !ENHANCED_ONLY.includes(h));
  return layout === 'official-real' ? [...base, 'EarliestModDate', 'HighestModDate'] : [...base, 'FirstModDate', 'LastModDate'];
}

export const shaOf = (i: number): string => createHash('sha256').update(`app-${i}`).digest('hex');

const COUNTS = new Set(COUNT_COLUMNS);

/** Row i as header → raw field text; `over` replaces fields by header name. */
export function rowFor(header: readonly string[], i: number, over: Record<string, string> = {}): string[] {
  return header.map((h, j) => {
    if (h in over) return over[h]!;
    switch (h) {
      case 'Package': return `com.example.app${i}\n`; // the archives keep a newline inside the quotes
      case 'Malware': return String(i % 2);
      case 'sha256': return shaOf(i);
      case 'MalFamily': return i % 2 ? 'Family' : '';
      case 'Categories': return i % 2 ? 'Trojan' : 'Benign';
      case 'Detection_Ratio': return i % 2 ? '0.5' : '0.0';
      case 'Highest-date': case 'HighestModDate': case 'LastModDate': return '2019-11-11';
      case 'EarliestModDate': case 'FirstModDate': return '1980-01-01';
      case 'year_month': return '2019-11-01';
      case 'Year': return '2019';
      default: return COUNTS.has(lakeName(h)) || h in { TimesSubmitted: 1, NrContactedIps: 1, Scanners: 1 } ? String((i + j) % 7) : '0';
    }
  });
}

function field(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** CSV text; rows may be raw lines (string) to write malformed records verbatim. */
export function csvText(header: readonly string[], rows: (readonly string[] | string)[]): string {
  return [header.map(field).join(','), ...rows.map((r) => (typeof r === 'string' ? r : r.map(field).join(',')))].join('\n') + '\n';
}

export function scratch(prefix = 'dfp-ingest-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes n good rows (ids from `first`) with optional per-row overrides, returns the file path. */
export function writeCsv(dir: string, name: string, n: number, opts: { layout?: Layout; first?: number; over?: Record<number, Record<string, string>>; lines?: Record<number, string> } = {}): string {
  const header = headerFor(opts.layout);
  const rows: (string[] | string)[] = [];
  for (let k = 0; k < n; k++) {
    const i = (opts.first ?? 0) + k;
    rows.push(opts.lines?.[k + 1] ?? rowFor(header, i, opts.over?.[k + 1]));
  }
  const path = join(dir, name);
  writeFileSync(path, csvText(header, rows));
  return path;
}

/**
 * n rows that make it through transform and train: INTERNET is a 0/1 flag (the SQL schema test), the layout's
 * date columns spread over `months` months of 2019 (a time split needs several), malware call `read` more.
 * `families` > 1 deals the malware (odd ids) over that many MalFamily values (family-grouped cross-validation).
 */
export function writeTrainableCsv(dir: string, name: string, n: number, opts: { layout?: Layout; first?: number; months?: number; families?: number } = {}): string {
  const months = opts.months ?? 6;
  const over: Record<number, Record<string, string>> = {};
  for (let k = 0; k < n; k++) {
    const i = (opts.first ?? 0) + k;
    const day = `2019-${String(1 + (k % months)).padStart(2, '0')}-15`;
    over[k + 1] = {
      INTERNET: String(i % 3 === 0 ? 0 : 1),
      read: String(i % 2 ? 40 + (i % 9) : i % 5),
      'Highest-date': day,
      HighestModDate: day,
      LastModDate: day,
      year_month: `${day.slice(0, 8)}01`,
      ...(opts.families && opts.families > 1 && i % 2 ? { MalFamily: `Family${((i - 1) / 2) % opts.families}` } : {}),
    };
  }
  return writeCsv(dir, name, n, { ...(opts.layout ? { layout: opts.layout } : {}), first: opts.first ?? 0, over });
}

/** Prepares `files` in a scratch work directory; `existing` maps table → Parquet already "in the lake". */
export async function prepare(files: InputFile[], existing: Record<string, string> = {}, table?: string, onePass = true): Promise<PreparedIngest> {
  const work = scratch('dfp-ingest-work-');
  return prepareIngest({
    files,
    workDir: work,
    table,
    onePass,
    existing: async (t) => existing[t],
    quarantineCsv: join(work, 'quarantine.csv'),
  });
}

export const csvFile = (path: string, name = path.split('/').pop()!): InputFile => ({ path, name, format: 'csv' });

/** A zip archive of `entries` (deflated), written the way the archives are: local headers, then the central directory. */
export function zipBytes(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const packed = deflateRawSync(data);
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, packed);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + packed.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

/** Rows of a SQL query on a fresh in-memory DuckDB (for reading outputs back). */
export async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const conn = await openDuckDb();
  try {
    return await queryRows<T>(conn, sql);
  } finally {
    conn.closeSync();
  }
}

export interface QRow {
  source: string;
  row: number;
  column: string | null;
  reason: string;
  detail: string;
}

/** This ingest's quarantine (from its CSV), in file and row order. */
export async function quarantined(p: PreparedIngest): Promise<QRow[]> {
  return query<QRow>(`SELECT "source", "row", "column", reason, detail FROM read_csv('${p.quarantineCsv}', header = true, all_varchar = false, types = {'row': 'BIGINT', 'column': 'VARCHAR'})`);
}

/** The resolved config for a workspace, with key=value overrides. */
export function configFor(home: string, overrides: string[] = []): DfpConfig {
  return loadConfig({ env: { DFP_HOME: home }, overrides }).config;
}

export interface TestServer {
  url: string;
  /** Every request seen: path and the headers that matter here. */
  requests: { path: string; range?: string; authorization?: string; ifNoneMatch?: string }[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (random port) for download tests. */
export async function serve(handler: (req: IncomingMessage, res: ServerResponse, hit: number) => void): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    requests.push({ path, range: req.headers.range, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'] });
    handler(req, res, hits.get(path)!);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * Serves `body` whole (200) or from a Range (206), with an ETag; `breakAt` cuts the connection after that many bytes,
 * once `breakAfter` has settled. Without it, nothing says how much of the cut body the client took in; with it (e.g. the
 * client's progress reporting bytes written) the test knows the client holds some.
 */
export function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  opts: { breakAt?: number; breakAfter?: Promise<unknown>; ignoreRange?: boolean; etag?: string } = {},
): void {
  const etag = opts.etag ?? `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, { etag }).end();
    return;
  }
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const start = m && !opts.ignoreRange ? Number(m[1]) : 0;
  const part = body.subarray(start);
  const headers: Record<string, string | number> = { 'content-type': 'application/zip', 'content-length': part.length, etag, 'accept-ranges': 'bytes' };
  if (start > 0) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
  res.writeHead(start > 0 ? 206 : 200, headers);
  if (opts.breakAt !== undefined && opts.breakAt < part.length) {
    // Send part of the body, then drop the connection as a flaky network would. A client that has not read the bytes
    // yet loses them with the connection, so a test that needs them received waits for that, never for a guessed time.
    res.write(part.subarray(0, opts.breakAt), () => void Promise.resolve(opts.breakAfter).then(() => res.socket?.destroy()));
    return;
  }
  res.end(part);
}
