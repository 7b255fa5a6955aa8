/**
 * @module One APK, from a file or from bytes, to its manifest facts and archive summary: the zip is read in place
 * (central directory plus the manifest entry), the manifest decoded from binary XML, the file hashed. Every failure
 * is an `ApkError` saying what is wrong with this APK.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { type AxmlElement, AxmlError, decodeAxml, looksLikeAxml } from '../manifest/axml.ts';
import { type ManifestFacts, ManifestError, readManifest } from '../manifest/manifest.ts';
import { ApkError, type ArchiveLimits, type ArchiveSummary, DEFAULT_ARCHIVE_LIMITS, MANIFEST_ENTRY, type OpenArchive, manifestEntry, openArchiveBuffer, openArchiveFile } from './archive.ts';

/** An APK to read: a file on disk, or bytes already in memory (an upload, an entry of a zip of APKs). */
export type ApkSource = { name: string; path: string } | { name: string; bytes: Buffer };

export interface ApkReading {
  facts: ManifestFacts;
  /** The decoded manifest's root element, for readers that need more than the facts. */
  root: AxmlElement;
  archive: ArchiveSummary;
  /** Size of the APK file in bytes. */
  size: number;
  sha256: string;
}

export function sha256OfFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Decodes manifest bytes, telling text XML and damaged binary XML apart. */
export function decodeManifest(bytes: Buffer): { root: AxmlElement; facts: ManifestFacts } {
  if (!looksLikeAxml(bytes)) {
    const head = bytes.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    if (head.startsWith('<')) throw new ApkError('manifest_text', `${MANIFEST_ENTRY} is plain-text XML, not Android's binary XML (a source tree zipped up, not a built APK)`);
    throw new ApkError('manifest_corrupt', `${MANIFEST_ENTRY} is not binary XML (first bytes ${bytes.subarray(0, 4).toString('hex') || 'none: the entry is empty'})`);
  }
  try {
    const root = decodeAxml(bytes);
    return { root, facts: readManifest(root) };
  } catch (e) {
    if (e instanceof AxmlError || e instanceof ManifestError) throw new ApkError('manifest_corrupt', `${MANIFEST_ENTRY} is damaged binary XML: ${e.message}`);
    // The decoder is pure and checks every offset; anything else it throws still comes from the bytes, not from dfp.
    throw new ApkError('manifest_corrupt', `${MANIFEST_ENTRY} is damaged binary XML: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Reads the manifest of an archive already open (it must be an APK: a manifest at its root). */
export async function manifestOf(archive: OpenArchive, limits: ArchiveLimits): Promise<{ root: AxmlElement; facts: ManifestFacts }> {
  const entry = manifestEntry(archive);
  if (!entry) throw new ApkError('no_manifest', `no ${MANIFEST_ENTRY} at the root of the archive: not an APK`);
  return decodeManifest(await archive.read(entry, limits.maxManifestBytes, MANIFEST_ENTRY));
}

/** Reads an APK whose archive is already open (the caller closes it). */
export async function readOpenApk(archive: OpenArchive, size: number, sha256: Promise<string>, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ApkReading> {
  sha256.catch(() => undefined); // awaited below; a read error surfaces from the archive first
  const { root, facts } = await manifestOf(archive, limits);
  return { root, facts, archive: archive.summary, size, sha256: await sha256 };
}

/** Reads one APK. Throws `ApkError` when it cannot. */
export async function readApkManifest(src: ApkSource, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): Promise<ApkReading> {
  if ('path' in src && statSync(src.path).size <= limits.inMemoryBytes) return readApkManifest({ name: src.name, bytes: readFileSync(src.path) }, limits);
  if ('path' in src) {
    const hashing = sha256OfFile(src.path);
    hashing.catch(() => undefined);
    const archive = await openArchiveFile(src.path, limits);
    try {
      return await readOpenApk(archive, statSync(src.path).size, hashing, limits);
    } finally {
      archive.close();
    }
  }
  const archive = await openArchiveBuffer(src.bytes, limits);
  try {
    return await readOpenApk(archive, src.bytes.length, Promise.resolve(createHash('sha256').update(src.bytes).digest('hex')), limits);
  } finally {
    archive.close();
  }
}
