/**
 * @module The storage contract under the versioned lake: a flat key → bytes store (a local directory,
 * an S3 bucket prefix) plus one atomic primitive, compare-and-swap on small objects, which is all the
 * commit model needs to make branch updates safe against concurrent writers and crashes. Adapters live
 * in src/lake/backends/; the core stays free of SDKs and engines.
 */

/** An object as a detailed listing reports it: garbage collection needs its size and age. */
export interface StoredObject {
  key: string;
  size: number;
  /** When the object was last written or touched. */
  modified: Date;
}

/**
 * An upload a writer started and never finished (it was killed): not an object yet, but it holds space
 * — a temp file in a directory store, an incomplete multipart upload in S3.
 */
export interface PendingUpload {
  /** The key it was writing. */
  key: string;
  /** The backend's handle for discarding it (a temp file's path, an S3 upload id). */
  id: string;
  size: number;
  /** Its last sign of life (a temp file's mtime, an S3 upload's newest part). */
  modified: Date;
}

export interface ObjectStore {
  /** Human description: a directory or s3://bucket/prefix. */
  readonly location: string;
  /** Bytes of the object, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
  /** Writes the object atomically: readers see the old object or the whole new one, never a part. */
  put(key: string, data: Uint8Array | string): Promise<void>;
  /** Uploads a local file by streaming (large Parquet files never sit in memory); atomic like put. */
  putFile(key: string, file: string): Promise<void>;
  /** Downloads the object to a local file by streaming; false when the object does not exist. */
  getFile(key: string, file: string): Promise<boolean>;
  exists(key: string): Promise<boolean>;
  /** Keys that start with prefix (a plain string prefix, not only a folder), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** Removes the object; no error when it is already gone. */
  delete(key: string): Promise<void>;
  /**
   * Writes `next` only if the object's current text equals `expected` (undefined: the object must not
   * exist). Returns false, without writing, when it does not; true when the write happened. Meant for
   * small ref objects: this is the single point where concurrent writers are serialised.
   */
  compareAndSwap(key: string, expected: string | undefined, next: string): Promise<boolean>;
  /**
   * Like list, with size and last-modified time. Optional: a store that cannot tell ages cannot be
   * garbage-collected safely (the grace period needs them), and gc says so.
   */
  listStored?(prefix: string): Promise<StoredObject[]>;
  /** Removes many objects in few requests; no error for keys already gone. Absent: delete one by one. */
  deleteMany?(keys: string[]): Promise<void>;
  /**
   * Resets an existing object's age without rewriting it, so a writer that reuses a stored object keeps
   * it inside gc's grace period until its commit is referenced. False when the object does not exist or
   * cannot be touched; the caller then uploads it again.
   */
  touch?(key: string): Promise<boolean>;
  /**
   * The sha256 (hex) of the stored bytes as the store itself computes it, without sending them: S3 answers
   * from a full-object SHA-256 checksum it keeps, or hashes server-side by copying the object onto itself.
   * undefined when the store cannot tell (the caller then reads the bytes); null when the object is absent.
   */
  checksum?(key: string): Promise<string | null | undefined>;
  /** Unfinished uploads whose target key starts with prefix. */
  listPendingUploads?(prefix: string): Promise<PendingUpload[]>;
  /** Discards an unfinished upload; no error when it is already gone. */
  discardPendingUpload?(upload: PendingUpload): Promise<void>;
  /** The object as a local file path when the store is a local directory, so readers need no copy. */
  localPath?(key: string): string | undefined;
  /** Releases clients and sockets. */
  close?(): Promise<void>;
}
