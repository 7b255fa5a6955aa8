/**
 * @module `dfp fingerprint`'s use case: APK files, folders of them and zips of APKs, plus optional strace outputs,
 * to one KronoDroid feature row per app. Each input is read on its own: a file that cannot be read becomes an entry
 * with an `error` naming the file and what is wrong, and the others are still processed.
 *
 * `fingerprintApk` (one APK, from a path or bytes, optionally with its traces' counts) is the entry point a scorer
 * calls; `fingerprintInputs` expands paths and pairs traces with APKs.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Progress } from '../core/progress.ts';
import { ApkError, type ApkErrorKind, type ArchiveLimits, DEFAULT_ARCHIVE_LIMITS, MANIFEST_ENTRY, openArchiveBuffer, openArchiveFile } from './apk/archive.ts';
import { type ApkReading, type ApkSource, readApkManifest, readOpenApk, sha256OfFile } from './apk/read-apk.ts';
import { staticFeatures } from './features/static-features.ts';
import { type TraceCounts, readStraceFile } from './trace/strace.ts';
import { traceFeatures } from './trace/trace-features.ts';

export type FingerprintErrorKind = ApkErrorKind | 'not_found' | 'trace_invalid';

export interface AppFingerprint {
  /** The input as given (an inner APK of a zip is `outer.zip!/inner.apk`). */
  file: string;
  sha256?: string;
  package?: string;
  /** KronoDroid columns (lake names) → values: static columns from the APK, the 289 system-call columns from traces. */
  features?: Record<string, number | string>;
  has_trace: boolean;
  /** Trace files whose calls are in the features. */
  traces?: string[];
  warnings: string[];
  error?: { code: 'INPUT_INVALID' | 'NOT_FOUND'; reason: FingerprintErrorKind; message: string };
}

export interface FingerprintOptions {
  limits?: ArchiveLimits;
  progress?: Progress;
}

/** A trace already read: its name (for messages) and its counts. */
export interface ReadTrace {
  name: string;
  counts: TraceCounts;
}

function failed(file: string, reason: FingerprintErrorKind, message: string): AppFingerprint {
  return { file, has_trace: false, warnings: [], error: { code: reason === 'not_found' ? 'NOT_FOUND' : 'INPUT_INVALID', reason, message: `${file}: ${message}` } };
}

function withTraces(app: AppFingerprint, traces: readonly ReadTrace[]): AppFingerprint {
  if (traces.length === 0) return app;
  const t = traceFeatures(traces);
  return { ...app, features: { ...app.features, ...t.features }, has_trace: true, traces: traces.map((x) => x.name), warnings: [...app.warnings, ...t.warnings] };
}

async function fromReading(name: string, reading: () => Promise<ApkReading>, traces: readonly ReadTrace[]): Promise<AppFingerprint> {
  try {
    const r = await reading();
    const s = staticFeatures(r);
    return withTraces({ file: name, sha256: r.sha256, package: r.facts.package, features: s.features, has_trace: false, warnings: s.warnings }, traces);
  } catch (e) {
    if (e instanceof ApkError) return failed(name, e.kind, e.message);
    throw e;
  }
}

/** One APK → its KronoDroid row. Never throws for a bad APK: the result carries the error. */
export function fingerprintApk(src: ApkSource, traces: readonly ReadTrace[] = [], opts: FingerprintOptions = {}): Promise<AppFingerprint> {
  return fromReading(src.name, () => readApkManifest(src, opts.limits ?? DEFAULT_ARCHIVE_LIMITS), traces);
}

/** Reads one strace output file; throws (with a message for the user) when it holds no system call. */
export async function readTrace(path: string): Promise<ReadTrace> {
  const counts = await readStraceFile(path);
  if (counts.calls.size === 0) throw new Error(`no system calls in it: not strace output${counts.firstUnparsed !== undefined ? ` (first line: '${counts.firstUnparsed}')` : ''}`);
  return { name: path, counts };
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(name)) out.push(p);
  }
  return out;
}

const isApkName = (n: string) => /\.(apk|zip)$/i.test(n);

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Expands the inputs into files: folders give their .apk and .zip files (recursively). Missing paths, and folders
 * without any such file, stay as they are, to be reported.
 */
export function expandInputs(inputs: readonly string[]): string[] {
  return inputs.flatMap((p) => {
    if (!isDirectory(p)) return [p];
    const found = filesUnder(p, isApkName);
    return found.length ? found : [p];
  });
}

/** Trace files of the `--trace` arguments: a folder is every file in it (strace -ff writes one per process). */
function traceGroups(traces: readonly string[]): { arg: string; files: string[] }[] {
  return traces.map((arg) => {
    try {
      return { arg, files: statSync(arg).isDirectory() ? filesUnder(arg, () => true) : [arg] };
    } catch {
      return { arg, files: [] };
    }
  });
}

const stem = (file: string) => basename(file).replace(/\.(apk|zip)$/i, '');

/**
 * Every app of the inputs, in input order. Traces pair with APKs: all of them with the one APK when there is only
 * one; otherwise a trace (file or folder) goes to the APK whose file stem or package its name starts with, followed by
 * `.`, `_` or `-` (the longest such match wins: app1.apk does not claim app10.strace). A trace
 * no APK claims, or traces given alone, make an app of their own (system-call columns only).
 */
export async function fingerprintInputs(inputs: readonly string[], traces: readonly string[], opts: FingerprintOptions = {}): Promise<AppFingerprint[]> {
  const limits = opts.limits ?? DEFAULT_ARCHIVE_LIMITS;
  const files = expandInputs(inputs);
  const apps: AppFingerprint[] = [];
  opts.progress?.start('fingerprint', files.length, 'files');
  for (const [i, file] of files.entries()) {
    if (isDirectory(file)) {
      apps.push(failed(file, 'not_found', 'no .apk or .zip file in this folder'));
      continue;
    }
    apps.push(...(await readInput(file, limits)));
    opts.progress?.update(i + 1);
  }
  opts.progress?.stop();

  // Traces: read each file once; a group (one --trace argument) that fails to read is reported, not dropped.
  const groups: { arg: string; files: string[]; read: ReadTrace[]; problems: string[] }[] = [];
  for (const g of traceGroups(traces)) {
    const read: ReadTrace[] = [];
    const problems: string[] = [];
    if (g.files.length === 0) problems.push(`${g.arg}: no such file or folder`);
    for (const f of g.files) {
      try {
        read.push(await readTrace(f));
      } catch (e) {
        problems.push(`${f}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    groups.push({ ...g, read, problems });
  }
  const readable = apps.filter((a) => !a.error);
  const claim = (g: (typeof groups)[number]): AppFingerprint | undefined => {
    if (readable.length === 1) return readable[0];
    const name = basename(g.arg);
    // the longest key that the name starts with, followed by a separator: app1.apk does not claim app10.strace
    let best: { app: AppFingerprint; length: number } | undefined;
    for (const a of readable) {
      for (const key of [stem(a.file), a.package ?? '']) {
        if (key !== '' && (name === key || /^[._-]/.test(name.slice(key.length))) && name.startsWith(key) && key.length > (best?.length ?? 0)) best = { app: a, length: key.length };
      }
    }
    return best?.app;
  };
  const byApp = new Map<AppFingerprint, typeof groups>();
  const unclaimed: typeof groups = [];
  for (const g of groups) {
    const owner = claim(g);
    if (owner) byApp.set(owner, [...(byApp.get(owner) ?? []), g]);
    else unclaimed.push(g);
  }
  const out = apps.map((a) => {
    const gs = byApp.get(a);
    if (!gs) return a;
    const merged = withTraces(a, gs.flatMap((g) => g.read));
    return { ...merged, warnings: [...merged.warnings, ...gs.flatMap((g) => g.problems)] };
  });
  for (const g of unclaimed) {
    if (g.read.length === 0) {
      out.push(failed(g.arg, g.files.length === 0 ? 'not_found' : 'trace_invalid', g.problems.join('; ')));
      continue;
    }
    const app = withTraces({ file: g.arg, has_trace: false, warnings: [] }, g.read);
    app.warnings.push(...g.problems);
    if (readable.length > 1) app.warnings.push('no APK of this call matches this trace by file name or package: system-call columns only');
    out.push(app);
  }
  return out;
}

/** One input file: an APK, or a zip of APKs (each inner APK read from memory, never from disk). */
async function readInput(file: string, limits: ArchiveLimits): Promise<AppFingerprint[]> {
  try {
    statSync(file);
  } catch {
    return [failed(file, 'not_found', 'no such file')];
  }
  const size = statSync(file).size;
  const bytes = size <= limits.inMemoryBytes ? readFileSync(file) : undefined;
  let archive;
  try {
    archive = bytes ? await openArchiveBuffer(bytes, limits) : await openArchiveFile(file, limits);
  } catch (e) {
    if (e instanceof ApkError) return [failed(file, e.kind, e.message)];
    throw e;
  }
  const hasManifest = archive.entries.some((e) => e.name === MANIFEST_ENTRY);
  const inner = archive.entries.filter((e) => /\.apk$/i.test(e.name) && !e.name.endsWith('/'));
  if (hasManifest || inner.length === 0) {
    // an APK (or neither, which reading it as an APK reports as a missing manifest)
    try {
      const open = archive;
      const sha256 = bytes ? Promise.resolve(createHash('sha256').update(bytes).digest('hex')) : sha256OfFile(file);
      return [await fromReading(file, () => readOpenApk(open, size, sha256, limits), [])];
    } finally {
      archive.close();
    }
  }
  try {
    const out: AppFingerprint[] = [];
    for (const e of inner) {
      const name = `${file}!/${e.name}`;
      try {
        const bytes = await archive.read(e, limits.maxInnerApkBytes, `inner APK ${e.name}`);
        out.push(await fingerprintApk({ name, bytes }, [], { limits }));
      } catch (err) {
        if (err instanceof ApkError) out.push(failed(name, err.kind, err.message));
        else throw err;
      }
    }
    return out;
  } finally {
    archive.close();
  }
}
