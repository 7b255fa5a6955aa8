// Where served models come from: resolve an alias to a version cheaply (polled), then load its ONNX and metadata.
import type { ModelMetadata } from '../ml/models/metadata.ts';

/** One model version. */
export interface ModelRef {
  name: string;
  version: string;
}

export interface LoadedModel {
  ref: ModelRef;
  /** The inference graph: input `x` float32 [N, F] raw features; outputs `score` [N] and optionally `feature_error` [N, F]. */
  onnx: Uint8Array;
  metadata: ModelMetadata;
  /** Human description of where it was read from (a path, a models:/ URI). */
  source: string;
}

export interface ModelListing {
  name: string;
  /** alias → version */
  aliases: Record<string, string>;
  versions: { version: string; aliases: string[]; created_at: string | null }[];
}

export interface ModelSource {
  /** Where models come from, for logs and GET /v1/models. */
  readonly description: string;
  /** The version an alias points at now; NOT_FOUND DfpError when unset. Cheap: called every poll. */
  resolve(alias: string): Promise<ModelRef>;
  /** Fetches a version's graph and metadata. */
  load(ref: ModelRef): Promise<LoadedModel>;
  /** Points an alias at a version; sources without a registry throw a USAGE DfpError. */
  promote(ref: ModelRef, alias: string): Promise<void>;
  /** What can be served (registered versions and aliases). */
  list(): Promise<ModelListing[]>;
  close(): Promise<void>;
}
