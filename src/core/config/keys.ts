// Every config key with its type, default and description, read from the schema itself (zod's JSON Schema), so the
// list `dfp config keys` prints can never drift from what the loader accepts.
import { z } from 'zod';
import { configSchema } from './schema.ts';

export interface ConfigKey {
  key: string;
  type: string;
  default?: unknown;
  description?: string;
}

interface Node {
  type?: string | string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  minimum?: number;
  maximum?: number;
}

function typeOf(n: Node): string {
  if (n.enum) return n.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (n.anyOf) return n.anyOf.map(typeOf).join(' | ');
  if (n.type === 'array') {
    const item = n.items ? typeOf(n.items) : 'any';
    return item.includes(' ') ? `(${item})[]` : `${item}[]`;
  }
  const t = Array.isArray(n.type) ? n.type.join(' | ') : (n.type ?? 'any');
  const max = n.maximum !== undefined && n.maximum < Number.MAX_SAFE_INTEGER ? n.maximum : undefined;
  const range = n.minimum !== undefined || max !== undefined ? ` [${n.minimum ?? ''}..${max ?? ''}]` : '';
  return t + range;
}

/** The leaf keys under `prefix` (all when empty), in schema order. */
export function configKeys(prefix = ''): ConfigKey[] {
  const root = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node;
  const out: ConfigKey[] = [];
  const walk = (node: Node, path: string): void => {
    if (node.type === 'object' && node.properties) {
      for (const [k, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${k}` : k);
      return;
    }
    out.push({ key: path, type: typeOf(node), ...(node.default !== undefined ? { default: node.default } : {}), ...(node.description ? { description: node.description } : {}) });
  };
  walk(root, '');
  return out.filter((k) => !prefix || k.key === prefix || k.key.startsWith(`${prefix}.`));
}
