/**
 * @module Turns `--source` into local data files plus the source records committed as metadata:
 * a file or folder, an http(s) URL, `kaggle:<owner>/<dataset>`, or `kronodroid:real|emulator` (the URL
 * lists in config). Archives are unpacked; formats are told apart by their first bytes.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { DfpConfig } from '../core/config/schema.ts';
import { DfpError } from '../core/errors.ts';
import { type Progress, silentProgress } from '../core/progress.ts';
import { download, sha256File } from './download.ts';
import { sniffFormat } from './header.ts';
import { kaggleAuth, kaggleDataset, kaggleDownloadUrl } from './kaggle.ts';
import type { InputFile, SourceRecord } from './types.ts';
import { extractZip } from './zip.ts';

export interface ResolvedSource {
  sources: SourceRecord[];
  files: InputFile[];
}

export interface ResolveOptions {
  config: DfpConfig;
  /** Scratch directory for unpacked archives. */
  workDir: string;
  progress?: Progress;
  env?: NodeJS.ProcessEnv;
  /** Base of relative paths. */
  cwd?: string;
}

const DATA_FILE = /\.(csv|csv\.gz|gz|zip|parquet)$/i;

/** Whether a source spec is fetched over the network (a URL, kaggle: or a kronodroid: shortcut) rather than read from disk. */
export function isRemoteSource(spec: string): boolean {
  return /^(https?:\/\/|kaggle:|kronodroid:)/i.test(spec.trim());
}

/** What to do without internet, added to a failed download of `dfp ingest` and `dfp run` (both take --source). */
export const OFFLINE_HINT = 'no internet here? give a local KronoDroid file instead: --source <local file> (.csv, .csv.gz, .zip, .parquet, or a folder of them)';

/** A NETWORK failure of a remote source, with OFFLINE_HINT added; any other error unchanged. */
export function withOfflineHint(e: unknown, spec: string): unknown {
  if (!(e instanceof DfpError) || e.code !== 'NETWORK' || !isRemoteSource(spec) || e.message.includes(OFFLINE_HINT)) return e;
  return new DfpError('NETWORK', `${e.message}\n${OFFLINE_HINT}`, e.details, { cause: e });
}

export function cacheDirOf(config: DfpConfig): string {
  return isAbsolute(config.data.cache_dir) ? config.data.cache_dir : join(config.workspace, config.data.cache_dir);
}

export async function resolveSource(spec: string, opts: ResolveOptions): Promise<ResolvedSource> {
  const s = spec.trim();
  if (!s) throw new DfpError('USAGE', 'empty --source; give a path, URL, kaggle:<owner>/<dataset> or kronodroid:real|emulator');
  const kronodroid = /^kronodroid:(.*)$/.exec(s);
  if (kronodroid) {
    const which = kronodroid[1];
    if (which !== 'real' && which !== 'emulator') throw new DfpError('USAGE', `unknown shortcut '${s}'; use kronodroid:real or kronodroid:emulator`, { source: s });
    const urls = opts.config.data.kronodroid[which];
    if (!urls.length) throw new DfpError('CONFIG_INVALID', `data.kronodroid.${which} lists no URLs`, { key: `data.kronodroid.${which}` });
    const parts = [];
    for (const url of urls) parts.push(await fromUrl(url, url, opts));
    return merge(parts);
  }
  if (s.startsWith('kaggle:')) {
    const { owner, dataset } = kaggleDataset(s);
    const auth = kaggleAuth(opts.env ?? process.env);
    const url = kaggleDownloadUrl(opts.config.data.kaggle_api, owner, dataset);
    return fromUrl(url, `kaggle:${owner}/${dataset}`, opts, { authorization: auth.header }, `check the Kaggle credentials from ${auth.from} and that you accepted the dataset's terms on kaggle.com`);
  }
  if (/^https?:\/\//i.test(s)) return fromUrl(s, s, opts);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) throw new DfpError('USAGE', `unsupported source scheme in '${s}'; use a path, http(s)://, kaggle: or kronodroid:`, { source: s });
  return fromPath(resolve(opts.cwd ?? process.cwd(), s), s, opts);
}

async function fromUrl(url: string, uri: string, opts: ResolveOptions, headers?: Record<string, string>, authHint?: string): Promise<ResolvedSource> {
  const got = await download(url, {
    cacheDir: cacheDirOf(opts.config),
    retries: opts.config.data.download_retries,
    progress: opts.progress ?? silentProgress,
    headers,
    authHint,
  });
  return { sources: [{ uri, sha256: got.sha256, bytes: got.bytes }], files: await dataFiles(got.path, uri, opts.workDir) };
}

async function fromPath(path: string, given: string, opts: ResolveOptions): Promise<ResolvedSource> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new DfpError('NOT_FOUND', `no such file or folder: ${given}`, { source: given });
  }
  if (!info.isDirectory()) return fromFile(path, given, basename(path), opts.workDir);
  const names = (await readdir(path, { withFileTypes: true }))
    .filter((d) => d.isFile() && !d.name.startsWith('.') && DATA_FILE.test(d.name))
    .map((d) => d.name)
    .sort();
  if (!names.length) throw new DfpError('INPUT_INVALID', `folder ${given} holds no .csv, .csv.gz, .zip or .parquet file`, { source: given });
  const parts = [];
  for (const name of names) parts.push(await fromFile(join(path, name), join(given, name), name, opts.workDir));
  return merge(parts);
}

async function fromFile(path: string, uri: string, name: string, workDir: string): Promise<ResolvedSource> {
  const { sha256, bytes } = await sha256File(path);
  return { sources: [{ uri, sha256, bytes }], files: await dataFiles(path, name, workDir) };
}

/** A local file as data files: itself, or the members of a zip. */
async function dataFiles(path: string, name: string, workDir: string): Promise<InputFile[]> {
  const format = await sniffFormat(path);
  if (format === 'zip') return extractZip(path, name, workDir);
  return [{ path, name, format }];
}

function merge(parts: ResolvedSource[]): ResolvedSource {
  return { sources: parts.flatMap((p) => p.sources), files: parts.flatMap((p) => p.files) };
}
