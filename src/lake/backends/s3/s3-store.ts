// The S3 object store (AWS S3, MinIO, lakeFS's S3 gateway, moto): keys under bucket/prefix, large files
// streamed (multipart above a threshold), and compare-and-swap through conditional PutObject
// (If-None-Match: * to create, If-Match: <etag> to replace), which S3 evaluates atomically.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DfpError, messageOf } from '../../../core/errors.ts';
import type { ObjectStore, PendingUpload, StoredObject } from '../../../core/lake/object-store.ts';
import { pausePoint } from '../../pause-point.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Folder inside the bucket; '' for the bucket root. */
  prefix: string;
  region: string;
  /** Custom endpoint (MinIO, lakeFS, moto); undefined for AWS. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Files at least this big are uploaded in parts. Default 64 MiB. */
  multipartThreshold?: number;
  /** Part size of multipart uploads (S3 minimum: 5 MiB). Default 16 MiB. */
  partSize?: number;
  /** Keys per DeleteObjects request (S3 maximum: 1000). Default 1000; tests lower it to cross a batch edge. */
  deleteBatchSize?: number;
}

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(e: unknown): number | undefined {
  return (e as AwsError | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(e: unknown): boolean {
  const name = (e as AwsError | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || status(e) === 404;
}

/** 412: the condition did not hold; 409: S3 saw a concurrent conditional write to the same key. */
function isConditionFailure(e: unknown): boolean {
  const name = (e as AwsError | undefined)?.name;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status(e) === 412 || status(e) === 409;
}

/**
 * A full-object SHA-256 from S3's base64 checksum field, as hex; undefined for none or for a multipart
 * upload's composite checksum (a hash of the part hashes, "<base64>-<parts>"), which says nothing comparable.
 */
function fullObjectSha256(base64: string | undefined): string | undefined {
  if (!base64 || base64.includes('-')) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.length === 32 ? bytes.toString('hex') : undefined;
}

export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly root: string;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly deleteBatchSize: number;
  private readonly endpointLabel: string;

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    const prefix = opts.prefix.replace(/^\/+|\/+$/g, '');
    this.root = prefix ? `${prefix}/` : '';
    this.location = `s3://${opts.bucket}/${prefix}`;
    this.multipartThreshold = opts.multipartThreshold ?? 64 * 1024 * 1024;
    this.partSize = Math.max(opts.partSize ?? 16 * 1024 * 1024, 5 * 1024 * 1024);
    this.deleteBatchSize = Math.min(Math.max(1, opts.deleteBatchSize ?? 1000), 1000);
    const endpoint = opts.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined;
    this.endpointLabel = endpoint ?? 'AWS S3';
    // dfp supports Node 20 on purpose; the SDK's multi-line "future versions need Node 22" warning on
    // every command is not something a dfp user can act on. An explicit setting is respected.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    this.client = new S3Client({
      region: opts.region || process.env.AWS_REGION || 'us-east-1',
      endpoint,
      forcePathStyle: opts.forcePathStyle,
      // Explicit keys from config win; otherwise the SDK's default chain reads AWS_* variables, profiles, roles.
      credentials: opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
      // Only send/verify the newer CRC checksums when an operation requires them: MinIO, lakeFS and
      // moto versions in the wild reject or mishandle them on plain PutObject/UploadPart.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private key(key: string): string {
    return this.root + key;
  }

  private fail(op: string, key: string, e: unknown): DfpError {
    if (e instanceof DfpError) return e;
    if ((e as AwsError).name === 'NoSuchBucket') {
      return new DfpError('STORAGE', `bucket '${this.bucket}' does not exist at ${this.endpointLabel}; create it or set lake.s3.bucket`, { bucket: this.bucket }, { cause: e });
    }
    const code = status(e) === 401 || status(e) === 403 ? 'AUTH' : 'STORAGE';
    return new DfpError(code, `${this.location}: cannot ${op} '${key}': ${messageOf(e)}`, { key, status: status(e) }, { cause: e });
  }

  async get(key: string): Promise<Uint8Array | null> {
    return (await this.getWithEtag(key))?.body ?? null;
  }

  private async getWithEtag(key: string): Promise<{ body: Uint8Array; etag: string | undefined } | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      const body = res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      return { body, etag: res.ETag };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.fail('read', key, e);
    }
  }

  async put(key: string, data: Uint8Array | string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: data }));
    } catch (e) {
      throw this.fail('write', key, e);
    }
  }

  async putFile(key: string, file: string): Promise<void> {
    const size = (await stat(file)).size;
    try {
      if (size < this.multipartThreshold) {
        await pausePoint('data-upload');
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: createReadStream(file), ContentLength: size }),
        );
      } else {
        await this.multipart(key, file, size);
      }
    } catch (e) {
      throw this.fail('upload', key, e);
    }
  }

  /** Uploads in parts, a few at a time; nothing is visible until Complete, and a failure aborts. */
  private async multipart(key: string, file: string, size: number): Promise<void> {
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(key) }));
    const uploadId = created.UploadId;
    if (!uploadId) throw new DfpError('STORAGE', `${this.location}: no upload id for '${key}'`);
    const fh = await open(file, 'r');
    try {
      const count = Math.ceil(size / this.partSize);
      const etags: string[] = new Array<string>(count);
      let nextPart = 0;
      const worker = async (): Promise<void> => {
        while (nextPart < count) {
          const index = nextPart++;
          const length = Math.min(this.partSize, size - index * this.partSize);
          const buf = Buffer.alloc(length);
          await fh.read(buf, 0, length, index * this.partSize);
          const res = await this.client.send(
            new UploadPartCommand({ Bucket: this.bucket, Key: this.key(key), UploadId: uploadId, PartNumber: index + 1, Body: buf, ContentLength: length }),
          );
          if (!res.ETag) throw new DfpError('STORAGE', `${this.location}: part ${index + 1} of '${key}' has no ETag`);
          etags[index] = res.ETag;
          if (index === 0) await pausePoint('data-upload');
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key(key),
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (e) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(key), UploadId: uploadId })).catch(() => undefined);
      throw e;
    } finally {
      await fh.close();
    }
  }

  async getFile(key: string, file: string): Promise<boolean> {
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      if (!res.Body) throw new DfpError('STORAGE', `${this.location}: empty response for '${key}'`);
      await pipeline(res.Body as Readable, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, file);
      return true;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      if (isNotFound(e)) return false;
      throw this.fail('download', key, e);
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw this.fail('stat', key, e);
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listStored(prefix)).map((o) => o.key);
  }

  async listStored(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key(prefix), ContinuationToken: token }),
        );
        for (const obj of res.Contents ?? []) {
          if (obj.Key) out.push({ key: obj.Key.slice(this.root.length), size: obj.Size ?? 0, modified: obj.LastModified ?? new Date(0) });
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw this.fail('list', prefix, e);
    }
    return out;
  }

  async deleteMany(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += this.deleteBatchSize) {
      const batch = keys.slice(i, i + this.deleteBatchSize);
      let res;
      try {
        res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.key(k) })), Quiet: true } }),
        );
      } catch (e) {
        throw this.fail('delete', batch[0] ?? '', e);
      }
      // DeleteObjects answers 200 even when some keys failed; those are listed in Errors.
      const failed = (res.Errors ?? []).filter((err) => err.Code !== 'NoSuchKey');
      if (failed.length > 0) {
        const first = failed[0];
        throw new DfpError('STORAGE', `${this.location}: could not delete ${failed.length} object(s), e.g. '${first?.Key}': ${first?.Code} ${first?.Message ?? ''}`.trim(), {
          keys: failed.map((err) => err.Key),
        });
      }
    }
  }

  async touch(key: string): Promise<boolean> {
    // A copy onto itself with replaced (empty) metadata is S3's way to renew LastModified server-side.
    const source = `${this.bucket}/${this.key(key).split('/').map(encodeURIComponent).join('/')}`;
    try {
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: this.key(key), CopySource: source, MetadataDirective: 'REPLACE' }));
      return true;
    } catch {
      // Missing, or not copyable (over 5 GiB, or not allowed): the caller uploads it again, always correct.
      return false;
    }
  }

  async checksum(key: string): Promise<string | null | undefined> {
    let size: number;
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key), ChecksumMode: 'ENABLED' }));
      const stored = fullObjectSha256(head.ChecksumSHA256);
      if (stored) return stored;
      size = head.ContentLength ?? 0;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw this.fail('stat', key, e);
    }
    // CopyObject cannot copy more than 5 GiB in one request; such objects are read instead.
    if (size > 5 * 2 ** 30) return undefined;
    // No full-object SHA-256 stored (a multipart upload, or uploaded without one): a copy onto itself with
    // ChecksumAlgorithm makes the server hash the bytes it holds, and keeps the result for the next HEAD.
    const source = `${this.bucket}/${this.key(key).split('/').map(encodeURIComponent).join('/')}`;
    try {
      const res = await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: this.key(key), CopySource: source, MetadataDirective: 'REPLACE', ChecksumAlgorithm: 'SHA256' }),
      );
      return fullObjectSha256(res.CopyObjectResult?.ChecksumSHA256) ?? undefined;
    } catch (e) {
      if (isNotFound(e)) return null;
      // A server without checksums on copy (or without the permission): the caller reads the bytes instead.
      return undefined;
    }
  }

  async listPendingUploads(prefix: string): Promise<PendingUpload[]> {
    const out: PendingUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.key(prefix), KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
        for (const u of res.Uploads ?? []) {
          if (!u.Key || !u.UploadId) continue;
          const parts = await this.uploadedParts(u.Key, u.UploadId);
          if (!parts) continue;
          const started = u.Initiated ?? new Date(0);
          out.push({
            key: u.Key.slice(this.root.length),
            id: u.UploadId,
            size: parts.size,
            modified: parts.newest && parts.newest > started ? parts.newest : started,
          });
        }
        keyMarker = res.IsTruncated ? res.NextKeyMarker : undefined;
        uploadIdMarker = res.IsTruncated ? res.NextUploadIdMarker : undefined;
      } while (keyMarker);
    } catch (e) {
      throw this.fail('list uploads under', prefix, e);
    }
    return out;
  }

  /** Total size and newest part of an unfinished upload: a part uploaded recently means a live writer. */
  private async uploadedParts(fullKey: string, uploadId: string): Promise<{ size: number; newest: Date | undefined } | null> {
    let size = 0;
    let newest: Date | undefined;
    let marker: string | undefined;
    do {
      let res;
      try {
        res = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: fullKey, UploadId: uploadId, PartNumberMarker: marker }));
      } catch (e) {
        // Completed or aborted since it was listed: no longer pending.
        if ((e as AwsError).name === 'NoSuchUpload' || isNotFound(e)) return null;
        throw e;
      }
      for (const p of res.Parts ?? []) {
        size += p.Size ?? 0;
        if (p.LastModified && (!newest || p.LastModified > newest)) newest = p.LastModified;
      }
      marker = res.IsTruncated ? res.NextPartNumberMarker : undefined;
    } while (marker);
    return { size, newest };
  }

  async discardPendingUpload(upload: PendingUpload): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(upload.key), UploadId: upload.id }));
    } catch (e) {
      if (!isNotFound(e) && (e as AwsError).name !== 'NoSuchUpload') throw this.fail('abort upload of', upload.key, e);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
    } catch (e) {
      if (!isNotFound(e)) throw this.fail('delete', key, e);
    }
  }

  async compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean> {
    let condition: { IfNoneMatch: string } | { IfMatch: string };
    if (expected === undefined) {
      condition = { IfNoneMatch: '*' };
    } else {
      const current = await this.getWithEtag(key);
      if (!current || Buffer.from(current.body).toString('utf8') !== expected) return false;
      if (!current.etag) throw new DfpError('STORAGE', `${this.location}: no ETag for '${key}'; this server cannot do conditional writes`);
      condition = { IfMatch: current.etag };
    }
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key(key), Body: next, ...condition }));
    } catch (e) {
      // 404 on If-Match: the ref was deleted between our read and write; also a lost race.
      if (isConditionFailure(e) || (expected !== undefined && isNotFound(e))) return false;
      throw this.fail('update', key, e);
    }
    // Note: moto evaluates the condition and then writes without a lock, so on moto (only) two truly
    // simultaneous writers can both pass; AWS S3, MinIO and lakeFS evaluate it atomically. We do not
    // read back to "verify", as that would report false conflicts when a legitimate next writer follows.
    return true;
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
