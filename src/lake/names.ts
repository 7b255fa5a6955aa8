// Naming rules for branches, tags and tables, and where refs and objects live in the store. Names are
// restricted so they are safe as object keys and file paths and never look like ref expressions.
import { DfpError } from '../core/errors.ts';

const REF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkRefName(kind: 'branch' | 'tag', name: string): void {
  if (!REF_NAME.test(name) || name.includes('..') || name.split('/').some((p) => p.endsWith('.lock')) || /^[0-9a-f]{7,64}$/.test(name)) {
    throw new DfpError(
      'USAGE',
      `invalid ${kind} name '${name}': use letters, digits, '.', '_', '-' and '/' between parts ` +
        `(not '..', not ending in .lock, not something that looks like a commit id)`,
      { name },
    );
  }
}

export function checkTableName(name: string): void {
  if (!TABLE_NAME.test(name)) {
    throw new DfpError('USAGE', `invalid table name '${name}': use letters, digits and '_', starting with a letter or '_'`, { name });
  }
}

export const HEADS = 'refs/heads/';
export const TAGS = 'refs/tags/';

export const branchKey = (name: string) => `${HEADS}${name}`;
export const tagKey = (name: string) => `${TAGS}${name}`;

export const COMMITS = 'commits/';
export const OBJECTS = 'objects/';

export const commitKey = (id: string) => `${COMMITS}${id}.json`;
export const objectKey = (hash: string) => `${OBJECTS}${hash}.parquet`;

/** What a key in the lake's own folders names, or null when it is not named like a lake object. */
export function parseObjectKey(key: string): { kind: 'commit' | 'table'; id: string } | null {
  const commit = /^commits\/([0-9a-f]{64})\.json$/.exec(key);
  if (commit?.[1]) return { kind: 'commit', id: commit[1] };
  const table = /^objects\/([0-9a-f]{64})\.parquet$/.exec(key);
  if (table?.[1]) return { kind: 'table', id: table[1] };
  return null;
}

/** Refs hold the commit id and a newline, like git; compare-and-swap compares this exact text. */
export const refValue = (id: string) => `${id}\n`;
export const parseRef = (text: string) => text.trim();
