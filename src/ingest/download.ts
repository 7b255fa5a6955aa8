/**
 * @module HTTP(S) downloads into a cache addressed by content hash. A broken connection resumes with a
 * Range request (If-Range guards against the file changing meanwhile) or starts over when the server
 * cannot resume, up to `retries` times; a cached URL is revalidated with its ETag when there is one.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DfpError, messageOf } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';

export interface DownloadOptions {
  cacheDir: string;
  /** Further attempts after the first fails (config data.download_retries). */
  retries: number;
  progress?: Progress;
  headers?: Record<string, string>;
  /** Appended to AUTH errors (401/403), e.g. where the credentials came from. */
  authHint?: string;
  /** No data for this long aborts the attempt (then it resumes). */
  stallMs?: number;
  /** First retry delay, doubled each time. */
  backoffMs?: number;
}

export interface Downloaded {
  path: string;
  sha256: string;
  bytes: number;
  fromCache: boolean;
}

interface CacheEntry {
  url: string;
  sha256: string;
  bytes: number;
  etag?: string;
  lastModified?: string;
}

const hashText = (s: string) => createHash('sha256').update(s).digest('hex');

export async function sha256File(path: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: h.digest('hex'), bytes };
}

/** Why an attempt ended without the whole body; retried. */
class Retryable extends Error {}

export async function download(url: string, opts: DownloadOptions): Promise<Downloaded> {
  const progress = opts.progress ?? silentProgress;
  const objects = join(opts.cacheDir, 'objects');
  const index = join(opts.cacheDir, 'urls');
  const partial = join(opts.cacheDir, 'partial');
  await Promise.all([objects, index, partial].map((d) => mkdir(d, { recursive: true })));
  const key = hashText(url);
  const indexFile = join(index, `${key}.json`);
  const part = join(partial, `${key}.part`);
  const partMeta = `${part}.json`;

  const cached = await readJson<CacheEntry>(indexFile);
  const cachedPath = cached ? join(objects, cached.sha256) : undefined;
  const haveCached = cached !== undefined && cachedPath !== undefined && existsSync(cachedPath);
  if (haveCached && !cached.etag && !cached.lastModified) return { path: cachedPath, sha256: cached.sha256, bytes: cached.bytes, fromCache: true };

  let validator = (await readJson<{ etag?: string; lastModified?: string }>(partMeta)) ?? {};
  let lastError = '';
  const label = `downloading ${url.replace(/^https?:\/\/[^/]+\//, '').slice(-60)}`;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min((opts.backoffMs ?? 250) * 2 ** (attempt - 1), 5000)));
    const have = await size(part);
    const headers: Record<string, string> = { 'user-agent': 'dfp-ingest', ...opts.headers };
    if (haveCached && have === 0) {
      if (cached.etag) headers['if-none-match'] = cached.etag;
      else if (cached.lastModified) headers['if-modified-since'] = cached.lastModified;
    }
    if (have > 0) {
      headers.range = `bytes=${have}-`;
      const v = validator.etag ?? validator.lastModified;
      if (v) headers['if-range'] = v;
    }
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(), opts.stallMs ?? 30_000);
    const kick = () => {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), opts.stallMs ?? 30_000);
    };
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers, signal: abort.signal, redirect: 'follow' });
      } catch (e) {
        // Offline but cached: the cached copy is the best there is.
        if (haveCached) return { path: cachedPath, sha256: cached.sha256, bytes: cached.bytes, fromCache: true };
        throw new Retryable(`cannot connect: ${messageOf((e as { cause?: unknown }).cause ?? e)}`);
      }
      if (res.status === 304 && haveCached) return { path: cachedPath, sha256: cached.sha256, bytes: cached.bytes, fromCache: true };
      if (res.status === 416) {
        // The partial file no longer fits what the server has: start over.
        await rm(part, { force: true });
        throw new Retryable('range not satisfiable');
      }
      if (!res.ok) {
        await res.body?.cancel();
        failFor(res.status, res.statusText, url, opts.authHint);
        throw new Retryable(`HTTP ${res.status} ${res.statusText}`);
      }
      const resumed = res.status === 206;
      if (resumed && !contentRangeStartsAt(res.headers.get('content-range'), have)) {
        await rm(part, { force: true });
        throw new Retryable('server resumed at the wrong offset');
      }
      validator = { etag: res.headers.get('etag') ?? undefined, lastModified: res.headers.get('last-modified') ?? undefined };
      await writeFile(partMeta, JSON.stringify(validator));
      const length = Number(res.headers.get('content-length') ?? NaN);
      const total = Number.isFinite(length) ? (resumed ? have : 0) + length : undefined;
      let done = resumed ? have : 0;
      progress.start(label, total, 'bytes');
      progress.update(done);
      const fh = await open(part, resumed ? 'a' : 'w');
      try {
        if (!res.body) throw new Retryable('empty response');
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          kick();
          await fh.write(chunk);
          done += chunk.length;
          progress.update(done);
        }
      } catch (e) {
        if (e instanceof Retryable) throw e;
        throw new Retryable(`connection broken after ${done} bytes: ${messageOf((e as { cause?: unknown }).cause ?? e)}`);
      } finally {
        await fh.close();
        progress.stop();
      }
      if (total !== undefined && done !== total) throw new Retryable(`got ${done} of ${total} bytes`);

      const { sha256, bytes } = await sha256File(part);
      const target = join(objects, sha256);
      await rename(part, target);
      await rm(partMeta, { force: true });
      const entry: CacheEntry = { url, sha256, bytes, ...(validator.etag ? { etag: validator.etag } : {}), ...(validator.lastModified ? { lastModified: validator.lastModified } : {}) };
      await writeFile(indexFile, JSON.stringify(entry, null, 2));
      return { path: target, sha256, bytes, fromCache: false };
    } catch (e) {
      if (!(e instanceof Retryable)) throw e;
      lastError = e.message;
    } finally {
      clearTimeout(timer);
    }
  }
  throw new DfpError('NETWORK', `download of ${url} failed after ${opts.retries + 1} attempts: ${lastError} (data.download_retries sets the number of retries)`, { url });
}

/** Status codes that retrying cannot fix become a clear error; 408, 429 and 5xx are left to retry. */
function failFor(status: number, text: string, url: string, authHint: string | undefined): void {
  if (status === 404 || status === 410) throw new DfpError('NOT_FOUND', `${url} not found (HTTP ${status}); check the URL or the data.kronodroid / data.source setting`, { url, status });
  if (status === 401 || status === 403) {
    throw new DfpError('AUTH', `${url} refused access (HTTP ${status} ${text})${authHint ? `: ${authHint}` : ''}`, { url, status });
  }
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) throw new DfpError('NETWORK', `${url} answered HTTP ${status} ${text}`, { url, status });
}

function contentRangeStartsAt(header: string | null, offset: number): boolean {
  const m = header ? /bytes\s+(\d+)-/.exec(header) : null;
  return m !== null && Number(m[1]) === offset;
}

async function size(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
