/**
 * @module The storage contract under the versioned lake: a flat key → bytes store (a local directory,
 * an S3 bucket prefix) plus one atomic primitive, compare-and-swap on small objects, which is all the
 * commit model needs to make branch updates safe against concurrent writers and crashes. Adapters live
 * in src/lake/backends/; the core stays free of SDKs and engines.
 */

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
  /** The object as a local file path when the store is a local directory, so readers need no copy. */
  localPath?(key: string): string | undefined;
  /** Releases clients and sockets. */
  close?(): Promise<void>;
}
