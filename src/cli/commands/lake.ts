/** @module `dfp lake …`: inspect and manage the versioned lake (log, branches, tags, diff, tables, rows, gc, fsck). */
import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.ts';
import { DfpError } from '../../core/errors.ts';
import { LABEL_COLUMN } from '../../core/kronodroid/schema.ts';
import type { Commit, GcReport, LakeDiff, TableDiff } from '../../core/lake/types.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { type CommandContext, type CommandOutput, defineAction, withCommonOptions } from '../context.ts';
import { withExamples } from '../examples.ts';
import { registerLakeFsck } from './lake-fsck.ts';
import { columnsThatFit, formatTable } from '../table.ts';

const OVERRIDES: [string, string] = ['[overrides...]', 'key=value config overrides, e.g. lake.backend=s3'];

async function withLake(ctx: CommandContext, fn: (lake: ObjectLake) => Promise<CommandOutput>): Promise<CommandOutput> {
  const { openLake } = await import('../../lake/open.ts');
  const lake = await openLake(ctx.config);
  try {
    return await fn(lake);
  } finally {
    await lake.close();
  }
}

function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new DfpError('USAGE', `${flag} must be a positive whole number, got '${String(value)}'`);
  return n;
}

function arg(args: string[], i: number, name: string): string {
  const v = args[i];
  if (v === undefined) throw new DfpError('USAGE', `missing <${name}>`);
  return v;
}

const short = (id: string) => id.slice(0, 12);
const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

function logText(commits: Commit[]): string {
  return formatTable(
    ['COMMIT', 'TIME', 'AUTHOR', 'TABLES', 'MESSAGE'],
    commits.map((c) => [short(c.id), when(c.time), c.author, Object.keys(c.tables).length, c.message]),
    60,
  );
}

function showText(commit: Commit): string {
  const lines = [
    `commit   ${commit.id}`,
    `parents  ${commit.parents.length ? commit.parents.join(' ') : '(root)'}`,
    `author   ${commit.author}`,
    `time     ${commit.time}`,
    `message  ${commit.message}`,
    '',
    tablesText(commit),
  ];
  if (Object.keys(commit.metadata).length) lines.push('', 'metadata', JSON.stringify(commit.metadata, null, 2));
  return lines.join('\n');
}

function tablesText(commit: Commit): string {
  const entries = Object.entries(commit.tables);
  if (entries.length === 0) return '(no tables)';
  return formatTable(
    ['TABLE', 'ROWS', 'COLUMNS', 'KEY', 'CONTENT', 'SCHEMA'],
    entries.map(([name, t]) => [name, t.rows, t.columns.length, t.key ?? '', short(t.content_hash), short(t.schema_hash)]),
  );
}

function diffText(diff: LakeDiff): string {
  const counts = (d: TableDiff) =>
    d.rows_added === undefined ? '' : `+${d.rows_added} -${d.rows_removed ?? 0} ~${d.rows_changed ?? 0}`;
  const head = `${short(diff.from)} → ${short(diff.to)}`;
  if (diff.tables.length === 0) return `${head}\n(no tables on either side)`;
  return `${head}\n${formatTable(
    ['TABLE', 'STATUS', 'ROWS BEFORE', 'ROWS AFTER', 'BY KEY (+add -del ~chg)', 'SCHEMA'],
    diff.tables.map((d) => [d.table, d.status, d.rows_before, d.rows_after, counts(d), d.schema_changed ? 'changed' : '']),
  )}`;
}

function bytesText(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** Items listed in the text output; --json has them all. */
const GC_SHOWN = 20;

function gcText(r: GcReport, grace: string): string {
  const lines = [
    r.dry_run ? 'dry run: nothing deleted (run with --apply to delete)' : `deleted ${plural(r.deleted, 'object')}, ${bytesText(r.bytes)} reclaimed`,
    `lake         ${r.location}`,
    `refs         ${plural(r.branches, 'branch', 'branches')}, ${plural(r.tags, 'tag')}`,
    `reachable    ${plural(r.reachable_objects, 'object')}, ${bytesText(r.reachable_bytes)} (kept)`,
    r.unreachable_objects === 0
      ? 'unreachable  none'
      : `unreachable  ${plural(r.unreachable_objects, 'object')}: ${r.deletable} older than the ${grace} grace period` +
        `${r.dry_run ? ` (${bytesText(r.bytes)} reclaimable)` : ''}, ${r.skipped_young} younger (kept, ${bytesText(r.skipped_young_bytes)})`,
  ];
  if (r.items.length > 0) {
    lines.push(
      '',
      formatTable(
        ['ACTION', 'KIND', 'KEY', 'SIZE', 'AGE'],
        r.items.slice(0, GC_SHOWN).map((i) => [i.action === 'keep-young' ? 'keep (young)' : r.dry_run ? 'would delete' : 'deleted', i.kind, i.key, bytesText(i.bytes), `${i.age_seconds}s`]),
        80,
      ),
    );
    if (r.items.length > GC_SHOWN) lines.push(`… and ${r.items.length - GC_SHOWN} more (see --json)`);
  }
  if (r.missing_objects.length > 0) {
    lines.push('', `warning: ${plural(r.missing_objects.length, 'table object')} that reachable commits name are missing from the store, e.g. ${r.missing_objects[0]}`);
  }
  if (r.ignored_keys > 0) lines.push(`note: ${plural(r.ignored_keys, 'key')} in commits/ and objects/ not named like lake objects were left alone`);
  if (!r.pending_uploads_checked) lines.push('note: this store cannot list unfinished uploads; none were looked for');
  return lines.join('\n');
}

/** Cells of `dfp lake head` are cut at this many characters. */
const HEAD_CELL = 24;

/** --columns: "all", or names of the table's columns in the order to show them. */
function pickColumns(spec: string, names: string[], table: string): string[] {
  if (spec.trim() === 'all') return names;
  const wanted = spec.split(',').map((c) => c.trim()).filter(Boolean);
  if (wanted.length === 0) throw new DfpError('USAGE', '--columns needs column names, e.g. --columns sha256,Malware, or all');
  const unknown = wanted.filter((c) => !names.includes(c));
  if (unknown.length) {
    const near = unknown.map((u) => names.find((c) => c.toLowerCase() === u.toLowerCase())).filter(Boolean);
    throw new DfpError('USAGE', `--columns: ${table} has no column ${unknown.map((u) => `'${u}'`).join(', ')}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; its columns are listed by \`dfp lake head ${table} --json -n 1\``, { key: '--columns', unknown });
  }
  return wanted;
}

/** Width the text table may use: the terminal's, or 120 when stdout is a file or a pipe. */
function outputWidth(): number {
  return process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 120;
}

/**
 * The rows as a table. With --columns, those columns; otherwise the ones that say which app a row is (the key,
 * the label, then text and date columns that hold a value) followed by the others in table order, as many as fit
 * the width, and a line saying how to see the rest. KronoDroid tables have ~500 columns: all of them is a
 * 7,000-character line nobody can read.
 */
function headText(info: { key?: string | undefined; columns: { name: string; type: string }[] }, rows: Record<string, unknown>[], chosen: string[] | undefined): string {
  if (chosen) return formatTable(chosen, rows.map((r) => chosen.map((c) => r[c])), HEAD_CELL);
  const numeric = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|REAL|DECIMAL)/i;
  const filled = (c: string) => rows.some((r) => r[c] !== null && r[c] !== undefined && r[c] !== '');
  const names = info.columns.map((c) => c.name);
  const first = [
    ...(info.key ? [info.key] : []),
    ...(names.includes(LABEL_COLUMN) ? [LABEL_COLUMN] : []),
    ...info.columns.filter((c) => !numeric.test(c.type) && filled(c.name)).map((c) => c.name),
  ];
  const ordered = [...new Set([...first, ...names.filter((c) => filled(c)), ...names])];
  const shown = ordered.slice(0, columnsThatFit(ordered, rows, outputWidth(), HEAD_CELL));
  const table = formatTable(shown, rows.map((r) => shown.map((c) => r[c])), HEAD_CELL);
  if (shown.length === names.length) return table;
  return `${table}\n(${shown.length} of ${names.length} columns; choose with --columns a,b,… or see every one with --columns all or --json)`;
}

const GC_HELP = `
What is kept: every branch and tag, every commit they reach (the whole history, so time travel keeps
working) and every table those commits hold, ingest's quarantine table included. What goes: commit and
table objects that nothing reaches (left by a writer killed mid-commit, or by the loser of a CONFLICT
race) and unfinished uploads (temp files of the local store, incomplete S3 multipart uploads).

Grace period: an unreachable object younger than --grace (default 1h) is never deleted, because a writer
running right now stores its objects before it moves its branch. Keep it longer than your longest commit;
use 0s only when nothing else writes to the lake.

Dry run by default: without --apply, gc deletes nothing and reports what it would delete and the bytes it
would reclaim. The commit a CONFLICT error reports as "stored but not applied" is unreachable too: keep it
with \`dfp lake branch create <name> --from <id>\` before gc --apply removes it.`;

export function registerLake(program: Command): void {
  const lake = program
    .command('lake')
    .description('the versioned data lake: commits of Parquet tables on branches, with tags, diff and time travel')
    .addHelpText('after', '\nRefs: a branch, a tag, a commit id or a unique prefix (7+ hex digits), optionally with ~N (N commits back).');

  withCommonOptions(
    withExamples(
      lake
        .command('log')
        .description('commits reachable from a ref, newest first')
        .option('--ref <ref>', 'branch, tag or commit to start from (default: the default branch)')
        .option('-n, --limit <n>', 'show at most n commits')
        .argument(...OVERRIDES),
      [
        { line: 'dfp lake log' },
        { line: 'dfp lake log --ref main~1 -n 5 --json' },
        { line: 'dfp lake log store=s3', note: 'the lake in S3 or MinIO: conf/store/s3.yaml, credentials from AWS_*', needs: 's3' },
      ],
    ),
  ).action(
    defineAction((ctx, _args, opts) =>
      withLake(ctx, async (l) => {
        const ref = opts.ref === undefined ? ctx.config.lake.default_branch : String(opts.ref);
        const commits = await l.log(ref, opts.limit === undefined ? undefined : positiveInt(opts.limit, '--limit'));
        return { result: { ref, commits }, human: logText(commits) };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('branches')
        .description('list branches and tags with the commit each points to')
        .argument(...OVERRIDES),
      [{ line: 'dfp lake branches' }, { line: 'dfp lake branches --json' }],
    ),
  ).action(
    defineAction((ctx) =>
      withLake(ctx, async (l) => {
        const [branches, tags] = await Promise.all([l.branches(), l.tags()]);
        const rows = [];
        for (const r of [...branches, ...tags]) {
          const c = await l.resolve(r.commit);
          const mark = r.kind === 'branch' && r.name === ctx.config.lake.default_branch ? '*' : ' ';
          rows.push([`${mark} ${r.name}`, r.kind, short(r.commit), when(c.time), c.message]);
        }
        return {
          result: { default_branch: ctx.config.lake.default_branch, branches, tags },
          human: formatTable(['NAME', 'KIND', 'COMMIT', 'TIME', 'MESSAGE'], rows, 60),
        };
      }),
    ),
  );

  const branch = lake.command('branch').description('manage branches');
  withCommonOptions(
    withExamples(
      branch
        .command('create')
        .description('create a branch at a ref (fails if the branch exists)')
        .argument('<name>', 'new branch name (letters, digits, . _ - and /)')
        .option('--from <ref>', 'where the branch starts (default: the default branch)')
        .argument(...OVERRIDES),
      [
        { line: 'dfp lake branch create experiment' },
        { line: 'dfp lake branch create rescue --from main~1 --json', note: 'at the commit before the head of main' },
      ],
    ),
  ).action(
    defineAction((ctx, args, opts) =>
      withLake(ctx, async (l) => {
        const name = arg(args, 0, 'name');
        const from = opts.from === undefined ? ctx.config.lake.default_branch : String(opts.from);
        const ref = await l.createBranch(name, from);
        return { result: ref, human: `created branch ${ref.name} at ${short(ref.commit)} (from ${from})` };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('tag')
        .description('name a commit permanently (tags never move; re-tagging the same commit is a no-op)')
        .argument('<name>', 'tag name')
        .argument('<ref>', 'branch, tag or commit to tag')
        .argument(...OVERRIDES),
      [{ line: 'dfp lake tag v1 main' }, { line: 'dfp lake tag before-cleanup main~1 --json' }],
    ),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const ref = await l.tag(arg(args, 0, 'name'), arg(args, 1, 'ref'));
        return { result: ref, human: `tagged ${short(ref.commit)} as ${ref.name}` };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('diff')
        .description('what changed between two refs: tables added/removed/changed, and rows by key for keyed tables')
        .argument('<a>', 'older ref')
        .argument('<b>', 'newer ref')
        .argument(...OVERRIDES),
      [{ line: 'dfp lake diff main~1 main' }, { line: 'dfp lake diff main~2 main --json' }],
    ),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const diff = await l.diff(arg(args, 0, 'a'), arg(args, 1, 'b'));
        return { result: diff, human: diffText(diff) };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('show')
        .description('one commit: id, parents, author, message, tables and metadata')
        .argument('<ref>', 'branch, tag or commit')
        .argument(...OVERRIDES),
      [{ line: 'dfp lake show main' }, { line: 'dfp lake show <commit> --json', note: 'a COMMIT of `dfp lake log`; 7 hex digits are enough' }],
    ),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const commit = await l.resolve(arg(args, 0, 'ref'));
        return { result: commit, human: showText(commit) };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('tables')
        .description('the tables at a ref with rows, columns, key and content hash')
        .option('--ref <ref>', 'branch, tag or commit (default: the default branch)')
        .argument(...OVERRIDES),
      [{ line: 'dfp lake tables' }, { line: 'dfp lake tables --ref main~1 --json' }],
    ),
  ).action(
    defineAction((ctx, _args, opts) =>
      withLake(ctx, async (l) => {
        const ref = opts.ref === undefined ? ctx.config.lake.default_branch : String(opts.ref);
        const commit = await l.resolve(ref);
        const tables = Object.entries(commit.tables).map(([name, t]) => ({ name, ...t }));
        return { result: { ref, commit: commit.id, tables }, human: tablesText(commit) };
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('head')
        .description('the first rows of a table at a ref')
        .argument('<table>', 'table name (see `dfp lake tables`)')
        .option('--ref <ref>', 'branch, tag or commit (default: the default branch)')
        .option('-n, --rows <n>', 'number of rows', '10')
        .option('--columns <names>', 'comma-separated columns to show, in this order, or "all" (default: the key and descriptive columns, then as many as fit the width)')
        .argument(...OVERRIDES),
      [
        { line: 'dfp lake head kronodroid_real', note: 'the identifying columns, then as many as fit' },
        { line: 'dfp lake head training_apps --columns sha256,Malware,MalFamily,read -n 5' },
        { line: 'dfp lake head kronodroid_real --ref main~1 -n 3 --json', note: 'every column' },
      ],
    ),
  ).action(
    defineAction((ctx, args, opts) =>
      withLake(ctx, async (l) => {
        const table = arg(args, 0, 'table');
        const ref = opts.ref === undefined ? ctx.config.lake.default_branch : String(opts.ref);
        const n = positiveInt(opts.rows, '--rows');
        const commit = await l.resolve(ref);
        const info = commit.tables[table];
        if (!info) {
          const names = Object.keys(commit.tables);
          throw new DfpError('NOT_FOUND', `no table '${table}' at ${ref}; tables: ${names.length ? names.join(', ') : 'none'} (see \`dfp lake tables --ref ${ref}\`)`, { ref, table });
        }
        const chosen = opts.columns === undefined ? undefined : pickColumns(String(opts.columns), info.columns.map((c) => c.name), table);
        // Read by commit id, not by ref, so a branch moving meanwhile cannot mix two versions.
        const path = await l.tablePath(commit.id, table);
        const { engineOptions, ident, literal, openDuckDb, queryRows } = await import('../../engine/duckdb/connection.ts');
        const conn = await openDuckDb(engineOptions(ctx.config));
        try {
          const rows = await queryRows(conn, `SELECT ${chosen ? chosen.map(ident).join(', ') : '*'} FROM read_parquet(${literal(path)}) LIMIT ${n}`);
          const columns = chosen ?? info.columns.map((c) => c.name);
          return { result: { ref, commit: commit.id, table, columns, rows }, human: headText(info, rows, chosen) };
        } finally {
          conn.closeSync();
        }
      }),
    ),
  );

  withCommonOptions(
    withExamples(
      lake
        .command('gc')
        .description('garbage-collect objects no branch or tag reaches (dry run unless --apply)')
        .option('--apply', 'delete the unreachable objects older than the grace period (default: only report)')
        .option('--grace <duration>', 'keep unreachable objects younger than this, e.g. 30m, 2h, 0s', '1h')
        .argument(...OVERRIDES),
      [
        { line: 'dfp lake gc', note: 'report only' },
        { line: 'dfp lake gc --apply', note: 'delete unreachable objects older than 1 hour' },
        { line: 'dfp lake gc --apply --grace 30m --json' },
        { line: 'dfp lake gc store=s3', needs: 's3' },
      ],
      GC_HELP,
    ),
  ).action(
    defineAction((ctx, _args, opts) => {
      const grace = String(opts.grace);
      const graceMs = parseDuration(grace, '--grace');
      return withLake(ctx, async (l) => {
        const report = await l.gc({ graceMs, apply: Boolean(opts.apply), progress: ctx.progress });
        return { result: report, human: gcText(report, grace) };
      });
    }),
  );

  registerLakeFsck(lake, OVERRIDES);
}
