// Ref expressions → commits: a branch, a tag, a full commit id or a unique prefix of at least 7 hex
// digits, optionally followed by git-style ancestry steps (`main~2`, `v1^`) for quick time travel.
import { DfpError } from '../core/errors.ts';
import type { Commit } from '../core/lake/types.ts';
import type { ObjectStore } from '../core/lake/object-store.ts';
import { branchKey, parseRef, tagKey } from './names.ts';

export interface CommitReader {
  readonly store: ObjectStore;
  readonly location: string;
  readCommit(id: string): Promise<Commit | null>;
  mustCommit(id: string): Promise<Commit>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export async function resolveRef(lake: CommitReader, expr: string): Promise<Commit> {
  const m = /^([^~^]+)((?:~\d*|\^)*)$/.exec(expr.trim());
  if (!m?.[1]) throw new DfpError('USAGE', `invalid ref '${expr}': expected a branch, tag or commit id, optionally with ~N`, { ref: expr });
  let commit = await resolveBase(lake, m[1]);
  for (const step of m[2]?.match(/~\d*|\^/g) ?? []) {
    const n = step === '^' || step === '~' ? 1 : Number(step.slice(1));
    for (let i = 0; i < n; i++) {
      const parent = commit.parents[0];
      if (!parent) throw new DfpError('NOT_FOUND', `${expr}: commit ${commit.id.slice(0, 12)} has no parent (it is the root)`, { ref: expr });
      commit = await lake.mustCommit(parent);
    }
  }
  return commit;
}

async function resolveBase(lake: CommitReader, ref: string): Promise<Commit> {
  if (SAFE_NAME.test(ref) && !ref.split('/').some((p) => p === '..' || p.startsWith('.') || p.endsWith('.lock'))) {
    for (const key of [branchKey(ref), tagKey(ref)]) {
      const raw = await lake.store.get(key);
      if (raw !== null) return lake.mustCommit(parseRef(Buffer.from(raw).toString('utf8')));
    }
  }
  const id = ref.toLowerCase();
  if (/^[0-9a-f]{64}$/.test(id)) {
    const commit = await lake.readCommit(id);
    if (commit) return commit;
  } else if (/^[0-9a-f]{7,63}$/.test(id)) {
    const matches = (await lake.store.list(`commits/${id}`)).filter((k) => k.endsWith('.json'));
    if (matches.length === 1) return lake.mustCommit((matches[0] as string).slice('commits/'.length, -'.json'.length));
    if (matches.length > 1) {
      const ids = matches.map((k) => k.slice('commits/'.length, 'commits/'.length + 16));
      throw new DfpError('USAGE', `ref '${ref}' is ambiguous: it prefixes ${matches.length} commits (${ids.join(', ')}); give more digits`, {
        ref,
        candidates: ids,
      });
    }
  }
  throw new DfpError(
    'NOT_FOUND',
    `unknown ref '${ref}' in ${lake.location}: not a branch, tag or commit id (ids need at least 7 hex digits); see \`dfp lake branches\` and \`dfp lake log\``,
    { ref },
  );
}
