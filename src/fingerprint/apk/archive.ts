/**
 * @module An APK's zip archive, read without extracting anything to disk: the entry list (counts, sizes,
 * modification dates) from the central directory, and the bytes of the one entry dfp inflates,
 * AndroidManifest.xml. Also tells an APK from a zip of APKs and hands out the inner APKs' bytes.
 *
 * Hostile archives are refused with an `ApkError` naming what is wrong: not a zip, truncated, entries whose path
 * leaves the archive (`../`, absolute), two manifests (a trick to show an analyser a different manifest than the
 * phone reads), and zip bombs: an entry dfp would inflate that is too large or compresses too well, or declared
 * sizes whose total is beyond any real APK. Inflation is bounded by the declared size (yauzl checks the real one).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';

export type ApkErrorKind =
  | 'not_zip'
  | 'truncated'
  | 'no_manifest'
  | 'duplicate_manifest'
  | 'path_traversal'
  | 'zip_bomb'
  | 'manifest_text'
  | 'manifest_corrupt'
  | 'unreadable';

/** Why one APK (or archive) could not be read. `kind` is stable, for scripts; the message is for people. */
export class ApkError extends Error {
  readonly kind: ApkErrorKind;
  constructor(kind: ApkErrorKind, message: string) {
    super(message);
    this.name = 'ApkError';
    this.kind = kind;
  }
}

export interface ArchiveLimits {
  /** Largest AndroidManifest.xml inflated (real ones are kilobytes; framework-res's is about 200 KiB). */
  maxManifestBytes: number;
  /** Largest inner APK of a zip of APKs held in memory. */
  maxInnerApkBytes: number;
  /** Highest uncompressed/compressed ratio of an entry dfp inflates, once it is over 1 MiB (deflate tops out near 1032). */
  maxRatio: number;
  /** Largest sum of the declared uncompressed sizes of all entries. */
  maxTotalUncompressed: number;
  /** Most entries in one archive. */
  maxEntries: number;
  /**
   * APKs up to this size are read into memory with one read, then hashed and unzipped from there (several times
   * faster for the typical APK than random-access reads); larger ones are read in place, never whole in memory.
   */
  inMemoryBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = {
  maxManifestBytes: 16 * 1024 * 1024,
  maxInnerApkBytes: 1024 * 1024 * 1024,
  maxRatio: 200,
  maxTotalUncompressed: 8 * 1024 * 1024 * 1024,
  maxEntries: 500_000,
  inMemoryBytes: 64 * 1024 * 1024,
};

export const MANIFEST_ENTRY = 'AndroidManifest.xml';
/** KronoDroid's date for "unknown": the zip format's earliest date. */
export const UNKNOWN_DATE = '1980-01-01';

export interface ArchiveEntry {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  /** YYYY-MM-DD from the entry's DOS date, or undefined when the date is not a valid one. */
  date: string | undefined;
  /** yauzl's entry, to open its stream. */
  raw: yauzl.Entry;
}

export interface ArchiveSummary {
  /** File entries (directories excluded). */
  files: number;
  compressedTotal: number;
  uncompressedTotal: number;
  /** Earliest and highest entry modification dates, UNKNOWN_DATE when no entry has a valid one. */
  earliestDate: string;
  highestDate: string;
}

/** An open zip archive, its entries listed. Close it when done. */
export interface OpenArchive {
  entries: ArchiveEntry[];
  summary: ArchiveSummary;
  /** Inflates an entry into memory, refusing more than `limit` bytes or a bomb-like ratio. */
  read(entry: ArchiveEntry, limit: number, what: string): Promise<Buffer>;
  close(): void;
}

function dosDate(d: number): string | undefined {
  const day = d & 0x1f;
  const month = (d >> 5) & 0x0f;
  const year = (d >> 9) + 1980;
  if (day < 1 || day > 31 || month < 1 || month > 12) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function entryName(e: yauzl.Entry): string {
  const raw = e.fileNameRaw;
  // bit 11: UTF-8 names; otherwise CP437, whose ASCII part (every real APK entry) latin1 decodes the same
  return raw.toString((e.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

function escapes(name: string): boolean {
  return name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[/\\]/).includes('..');
}

function classify(e: unknown): ApkError {
  if (e instanceof ApkError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  if (/end of central directory record signature not found/i.test(msg)) return new ApkError('not_zip', 'not a zip archive (no end-of-central-directory record)');
  if (/unexpected EOF|not enough bytes|truncated|invalid central directory file header signature|invalid local file header signature|past the end|beyond/i.test(msg)) {
    return new ApkError('truncated', `the zip archive is truncated or damaged: ${msg}`);
  }
  if (/too many length or distance symbols|invalid (block type|distance|stored block|code)|incorrect (header|data) check|unexpected end of file/i.test(msg)) {
    return new ApkError('truncated', `an entry does not inflate: ${msg}`);
  }
  return new ApkError('unreadable', `the zip archive cannot be read: ${msg}`);
}

function listEntries(zip: yauzl.ZipFile, limits: ArchiveLimits): Promise<ArchiveEntry[]> {
  return new Promise((resolve, reject) => {
    const out: ArchiveEntry[] = [];
    if (zip.entryCount > limits.maxEntries) {
      reject(new ApkError('zip_bomb', `the archive declares ${zip.entryCount.toLocaleString('en')} entries (limit ${limits.maxEntries.toLocaleString('en')})`));
      return;
    }
    zip.on('entry', (e: yauzl.Entry) => {
      out.push({ name: entryName(e), compressedSize: e.compressedSize, uncompressedSize: e.uncompressedSize, date: dosDate(e.lastModFileDate), raw: e });
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', (err: unknown) => reject(classify(err)));
    zip.readEntry();
  });
}

function summarise(entries: readonly ArchiveEntry[], limits: ArchiveLimits): ArchiveSummary {
  let files = 0;
  let c = 0;
  let u = 0;
  let earliest: string | undefined;
  let highest: string | undefined;
  for (const e of entries) {
    if (escapes(e.name)) throw new ApkError('path_traversal', `entry '${e.name}' points outside the archive (absolute or '../' path)`);
    if (e.name.endsWith('/')) continue;
    files++;
    c += e.compressedSize;
    u += e.uncompressedSize;
    if (e.date !== undefined) {
      if (earliest === undefined || e.date < earliest) earliest = e.date;
      if (highest === undefined || e.date > highest) highest = e.date;
    }
  }
  if (u > limits.maxTotalUncompressed) {
    throw new ApkError('zip_bomb', `entries declare ${u.toLocaleString('en')} bytes uncompressed in total (limit ${limits.maxTotalUncompressed.toLocaleString('en')}): a zip bomb or not an APK`);
  }
  return { files, compressedTotal: c, uncompressedTotal: u, earliestDate: earliest ?? UNKNOWN_DATE, highestDate: highest ?? UNKNOWN_DATE };
}

/** Refuses to inflate an entry that is too large or compresses too well, from its declared sizes. */
function checkBomb(e: ArchiveEntry, limit: number, limits: ArchiveLimits, what: string): void {
  if (e.uncompressedSize > limit) {
    throw new ApkError('zip_bomb', `${what} inflates to ${e.uncompressedSize.toLocaleString('en')} bytes (limit ${limit.toLocaleString('en')})`);
  }
  if (e.uncompressedSize > 1024 * 1024 && e.uncompressedSize > limits.maxRatio * Math.max(1, e.compressedSize)) {
    throw new ApkError('zip_bomb', `${what} compresses ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}:1 (limit ${limits.maxRatio}:1): a zip bomb`);
  }
}

function readEntry(zip: yauzl.ZipFile, e: ArchiveEntry, limit: number, limits: ArchiveLimits, what: string): Promise<Buffer> {
  try {
    checkBomb(e, limit, limits, what);
  } catch (err) {
    return Promise.reject(err);
  }
  return new Promise((resolve, reject) => {
    zip.openReadStream(e.raw, (err, stream) => {
      if (err || !stream) {
        reject(classify(err));
        return;
      }
      const parts: Buffer[] = [];
      let n = 0;
      stream.on('data', (d: Buffer) => {
        n += d.length;
        parts.push(d);
      });
      stream.on('error', (e2: unknown) => reject(classify(e2)));
      stream.on('end', () => {
        const out = Buffer.concat(parts, n);
        // yauzl checks the size, not the CRC-32: a damaged entry must not pass as data
        if ((crc32(out) >>> 0) !== e.raw.crc32 >>> 0) reject(new ApkError('truncated', `entry '${e.name}' fails its CRC-32 check: the archive is damaged`));
        else resolve(out);
      });
    });
  });
}

const ZIP_OPTIONS: yauzl.Options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false };

/** A file that starts with a zip local header but has no end record was cut short, rather than not a zip at all. */
function truncatedIfZipLike(e: ApkError, head: () => Buffer): ApkError {
  if (e.kind !== 'not_zip' || head().readUInt32LE(0) !== 0x04034b50) return e;
  return new ApkError('truncated', 'the zip archive is truncated: it starts with a zip entry but its end (the central directory) is missing');
}

/**
 * An entry of an archive held in memory, inflated in one call (zlib's inflateRawSync, output capped at the declared
 * size) instead of through a stream: most of the time of a small APK otherwise. Same checks as yauzl's: the local
 * header is where the central directory says, the data fits the file, the size and the CRC-32 match.
 */
function inflateInMemory(bytes: Buffer, e: ArchiveEntry): Buffer {
  const raw = e.raw;
  const lh = raw.relativeOffsetOfLocalHeader;
  if (lh + 30 > bytes.length || bytes.readUInt32LE(lh) !== 0x04034b50) throw new ApkError('truncated', `entry '${e.name}' has no local header where the central directory says: the archive is damaged`);
  if ((raw.generalPurposeBitFlag & 0x1) !== 0) throw new ApkError('unreadable', `entry '${e.name}' is encrypted`);
  const start = lh + 30 + bytes.readUInt16LE(lh + 26) + bytes.readUInt16LE(lh + 28);
  const end = start + e.compressedSize;
  if (end > bytes.length) throw new ApkError('truncated', `entry '${e.name}' runs past the end of the archive: it is truncated`);
  const data = bytes.subarray(start, end);
  let out: Buffer;
  if (raw.compressionMethod === 0) out = Buffer.from(data);
  else if (raw.compressionMethod === 8) {
    try {
      out = inflateRawSync(data, { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (err) {
      throw new ApkError('truncated', `entry '${e.name}' does not inflate: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else throw new ApkError('unreadable', `entry '${e.name}' uses compression method ${raw.compressionMethod}, which APKs do not use`);
  if (out.length !== e.uncompressedSize) throw new ApkError('truncated', `entry '${e.name}' inflates to ${out.length} bytes, not the ${e.uncompressedSize} its header declares`);
  if ((crc32(out) >>> 0) !== raw.crc32 >>> 0) throw new ApkError('truncated', `entry '${e.name}' fails its CRC-32 check: the archive is damaged`);
  return out;
}

async function openWith(opener: (cb: (err: Error | null, zip: yauzl.ZipFile) => void) => void, limits: ArchiveLimits, head: () => Buffer, bytes?: Buffer): Promise<OpenArchive> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) => opener((err, z) => (err ? reject(truncatedIfZipLike(classify(err), head)) : resolve(z))));
  try {
    const entries = await listEntries(zip, limits);
    const summary = summarise(entries, limits);
    const read = bytes === undefined
      ? (e: ArchiveEntry, limit: number, what: string) => readEntry(zip, e, limit, limits, what)
      : async (e: ArchiveEntry, limit: number, what: string) => {
        checkBomb(e, limit, limits, what);
        return inflateInMemory(bytes, e);
      };
    return { entries, summary, read, close: () => zip.close() };
  } catch (e) {
    zip.close();
    throw e;
  }
}

function firstBytes(path: string): Buffer {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, b, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  return b;
}

/** Opens a zip file on disk (random access: only the central directory and the entries asked for are read). */
export function openArchiveFile(path: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<OpenArchive> {
  return openWith((cb) => yauzl.open(path, ZIP_OPTIONS, cb), limits, () => firstBytes(path));
}

/** Opens a zip held in memory (an upload, an APK inside a zip of APKs). */
export function openArchiveBuffer(bytes: Buffer, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<OpenArchive> {
  return openWith((cb) => yauzl.fromBuffer(bytes, ZIP_OPTIONS, cb), limits, () => Buffer.concat([bytes.subarray(0, 4), Buffer.alloc(4)]), bytes);
}

/** The one AndroidManifest.xml entry at the archive's root; undefined when there is none. */
export function manifestEntry(archive: OpenArchive): ArchiveEntry | undefined {
  const found = archive.entries.filter((e) => e.name === MANIFEST_ENTRY);
  if (found.length > 1) throw new ApkError('duplicate_manifest', `the archive holds ${found.length} ${MANIFEST_ENTRY} entries (a trick to show tools a different manifest than the phone reads)`);
  return found[0];
}
