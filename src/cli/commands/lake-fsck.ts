/**
 * @module `dfp lake fsck [--repair]`: checks every object the lake's branches and tags reach against the hash
 * it is named by (src/lake/fsck.ts) and reports damaged or missing ones with the refs and tables that use
 * them. With --repair, a table object is restored from a verified copy, else derived again by re-running the
 * ingest that wrote it on a scratch branch at that ingest's parent (the same source gives the same bytes,
 * and a write that finds its object damaged replaces it). Exit 65 (CORRUPT) while damage remains.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import type { FsckOrigin, FsckProblem, FsckReport } from '../../core/lake/types.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { type CommandContext, defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { formatTable } from '../table.ts';

const short = (id: string) => id.slice(0, 12);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** Sources fsck never fetches again by itself: a download or an API call is the user's decision. */
const REMOTE_SOURCE = /^(https?:|kaggle:|kronodroid:)/;
/** Ingest's quarantine table: rewritten by every ingest, never a --table target. */
const QUARANTINE_TABLE = 'quarantine';

const FSCK_HELP = `
Reads every object that a branch or tag reaches (the whole history) and checks it against the sha256 it is
named by: commits by their JSON, table objects by their Parquet bytes (S3: the server's own SHA-256 of the
object when it can compute one, else a download). Reads do the same check on every table they open (a
damaged table fails with CORRUPT, exit 65); fsck checks everything at once and names the refs and tables
that use each damaged or missing object.

--repair restores table objects: from a verified copy in the workspace's download cache, else by
re-running the ingest that wrote the object (local source files only, unchanged since) on a scratch branch
at that ingest's parent commit, which writes the same bytes under the same name. It says what it could not
restore and what to do. Commit objects have no second copy.

Exit status: 0 when every object matches its name (after repair), 65 (CORRUPT) otherwise; with --json the
error document carries the whole report in error.details.`;

function usesText(p: FsckProblem): string {
  return p.used_by.map((u) => `${u.ref}${u.table ? `:${u.table}` : ''}${u.at_head ? '' : ` (history, ${short(u.commit)})`}`).join(', ');
}

export function fsckText(r: FsckReport): string {
  const lines = [
    `lake      ${r.location}`,
    `checked   ${plural(r.branches, 'branch', 'branches')}, ${plural(r.tags, 'tag')}, ${plural(r.commits_checked, 'commit')}, ${plural(r.objects_checked, 'table object')}` +
      (r.checked_by.store_checksum > 0 ? ` (${r.checked_by.store_checksum} by the store's own checksum)` : ''),
  ];
  if (r.problems.length === 0) {
    lines.push('result    every object matches its name');
    return lines.join('\n');
  }
  lines.push(`result    ${r.damaged} damaged, ${r.missing} missing${r.repair ? `, ${r.restored} restored` : ''}`, '');
  lines.push(
    formatTable(
      ['STATE', 'KIND', 'OBJECT', 'USED BY', ...(r.repair ? ['REPAIR'] : [])],
      r.problems.map((p) => [p.state, p.kind, p.key, usesText(p), ...(r.repair ? [p.repair?.status ?? ''] : [])]),
      90,
    ),
  );
  for (const p of r.problems) if (p.repair) lines.push('', `${p.key}: ${p.repair.status} — ${p.repair.how}`);
  if (!r.repair) lines.push('', 'run `dfp lake fsck --repair` to restore what can be restored');
  return lines.join('\n');
}

/** Re-runs the ingest that first wrote the object, on a scratch branch at its parent; removes the branch after. */
async function rederive(ctx: CommandContext, lake: ObjectLake, problem: FsckProblem, origin: FsckOrigin): Promise<string> {
  const meta = origin.commit.metadata;
  const source = typeof meta.source === 'string' ? meta.source : undefined;
  const parent = origin.commit.parents[0];
  if (meta.kind !== 'ingest' || source === undefined || parent === undefined) {
    throw new Error(`it was not written by an ingest (commit ${short(origin.commit.id)}: "${origin.commit.message}")`);
  }
  if (REMOTE_SOURCE.test(source)) throw new Error(`its source ${source} is remote; fsck re-ingests local files only`);
  const [{ existsSync, statSync }, { resolve }, { sha256File }] = await Promise.all([import('node:fs'), import('node:path'), import('../../lake/canonical.ts')]);
  const path = resolve(source);
  if (!existsSync(path)) throw new Error(`its source ${source} is not there any more (looked for ${path})`);
  const recorded = Array.isArray(meta.sources) ? (meta.sources as { uri?: unknown; sha256?: unknown }[]).find((s) => s.uri === source) : undefined;
  if (typeof recorded?.sha256 === 'string' && statSync(path).isFile()) {
    const now = await sha256File(path);
    if (now !== recorded.sha256) throw new Error(`its source ${source} changed since (sha256 ${short(now)}…, recorded ${short(recorded.sha256)}…)`);
  }
  const scratch = `fsck-restore-${problem.key.slice('objects/'.length, 'objects/'.length + 8)}-${randomBytes(3).toString('hex')}`;
  await lake.createBranch(scratch, parent);
  try {
    const { runIngest } = await import('../../ingest/ingest.ts');
    // The source as it was given (the lineage column records it), from where it was found above.
    await runIngest({
      source,
      branch: scratch,
      ...(origin.table === QUARANTINE_TABLE ? {} : { table: origin.table }),
      message: `fsck --repair: derive ${problem.key} again`,
      config: ctx.config,
      lake,
    });
  } finally {
    await lake.deleteBranch(scratch);
  }
  return `derived again: re-ingested ${source} on top of commit ${short(parent)} (scratch branch ${scratch}, removed after)`;
}

export function registerLakeFsck(lake: Command, overrides: [string, string]): void {
  withCommonOptions(
    withExamples(
      lake
        .command('fsck')
        .description('check every reachable object against its content hash; --repair restores what can be restored')
        .option('--repair', 'restore damaged or missing table objects from a verified copy or by re-running the ingest that wrote them')
        .argument(...overrides),
      [
        { line: 'dfp lake fsck', note: 'report only' },
        { line: 'dfp lake fsck --repair', note: 'restore what can be restored' },
        { line: 'dfp lake fsck --json store=s3', note: 'the lake in S3 or MinIO (conf/store/s3.yaml)', needs: 's3' },
      ],
      FSCK_HELP,
    ),
  ).action(
    defineAction(async (ctx, _args, opts) => {
      const { openLake } = await import('../../lake/open.ts');
      const l = await openLake(ctx.config);
      try {
        const repair = Boolean(opts.repair);
        const report = await l.fsck({ repair, progress: ctx.progress, ...(repair ? { rederive: (p: FsckProblem, o: FsckOrigin) => rederive(ctx, l, p, o) } : {}) });
        const human = fsckText(report);
        if (report.ok) return { result: report, human };
        // Damage remains: the report still goes to stdout (in --json, inside the error document).
        if (!ctx.json) process.stdout.write(`${human}\n`);
        const left = report.problems.filter((p) => p.repair?.status !== 'restored');
        const first = left[0];
        throw new DfpError(
          'CORRUPT',
          `${plural(left.length, 'damaged or missing object')} in ${report.location}` +
            (first ? `, e.g. ${first.key} (${first.state}; used by ${usesText(first) || 'nothing reachable'})` : '') +
            (repair ? '; the report says what could not be restored and what to do' : '; run `dfp lake fsck --repair`'),
          { ...report },
        );
      } finally {
        await l.close();
      }
    }),
  );
}
