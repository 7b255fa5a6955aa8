// Content addressing: canonical JSON (sorted keys, no spaces) so equal commits hash equally on every
// machine, and streaming sha256 of files so large Parquet files are hashed without loading them.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** JSON with keys sorted at every level; JSON.stringify's rules for undefined, Date, bigint-free data. */
export function canonicalJson(value: unknown): string {
  // Round-trip first so toJSON (Dates) and undefined-dropping happen before sorting.
  const plain: unknown = JSON.parse(JSON.stringify(value) ?? 'null');
  return JSON.stringify(sortKeys(plain));
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
