/** @module Splits a log batch into requests within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 items). */
import type { Metric } from './types.ts';

export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

export interface KV {
  key: string;
  value: string;
}

export interface WireBatch {
  metrics: Metric[];
  params: KV[];
  tags: KV[];
}

export function chunkBatch(metrics: readonly Metric[], params: readonly KV[], tags: readonly KV[], limits = LOG_BATCH_LIMITS): WireBatch[] {
  const out: WireBatch[] = [];
  let m = 0;
  let p = 0;
  let t = 0;
  while (m < metrics.length || p < params.length || t < tags.length) {
    const np = Math.min(limits.params, params.length - p);
    const nt = Math.min(limits.tags, tags.length - t);
    const nm = Math.min(limits.metrics, metrics.length - m, limits.total - np - nt);
    out.push({ metrics: metrics.slice(m, m + nm), params: params.slice(p, p + np), tags: tags.slice(t, t + nt) });
    m += nm;
    p += np;
    t += nt;
  }
  return out;
}

/** Params and tags are strings on the wire; MLflow caps values (params 6000 chars, tags 8000). */
export function toKV(rec: Record<string, string | number | boolean> | undefined): KV[] {
  return Object.entries(rec ?? {}).map(([key, value]) => ({ key, value: String(value) }));
}
