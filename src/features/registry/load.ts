// Reads the registry file a person writes (feature_repo/feature_store.yaml) and checks its shape;
// errors name the file and the key so a typo is fixed in one go.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { DfpConfig } from '../../core/config/schema.ts';
import { DfpError, messageOf } from '../../core/errors.ts';
import { type RegistrySpec, registrySpecSchema } from '../../core/features/registry-spec.ts';

/** The registry shipped with dfp (repo root/feature_repo). */
export const SHIPPED_REGISTRY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../feature_repo/feature_store.yaml');

/** store.registry if set, else ./feature_repo/feature_store.yaml when present, else the shipped one. */
export function registryFile(config: DfpConfig, cwd = process.cwd()): string {
  if (config.store.registry) return resolve(cwd, config.store.registry);
  const local = resolve(cwd, 'feature_repo/feature_store.yaml');
  return existsSync(local) ? local : SHIPPED_REGISTRY;
}

export function readRegistrySpec(file: string): RegistrySpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DfpError('NOT_FOUND', `feature registry ${file} not found; set store.registry=<file> or run from the repository root`, { file });
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    throw new DfpError('CONFIG_INVALID', `feature registry ${file} is not valid YAML: ${messageOf(e)}`, { file });
  }
  const parsed = registrySpecSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? describePath(raw, issue.path) : '';
    throw new DfpError('CONFIG_INVALID', `feature registry ${file}: ${where}${issue?.message ?? 'invalid'}`, {
      file,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/** `feature_views[1] (permissions).ttl: ` — uses the view's name when the path goes through one. */
function describePath(raw: unknown, path: PropertyKey[]): string {
  if (path.length === 0) return '';
  const parts: string[] = [];
  let node: unknown = raw;
  for (const key of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const name = node !== null && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
      parts[parts.length - 1] += `[${key}]${typeof name === 'string' ? ` (${name})` : ''}`;
    } else parts.push(String(key));
  }
  return `${parts.join('.')}: `;
}
