/** @module `dfp lake …`: inspect and manage the versioned lake (log, branches, tags, diff, tables, rows). */
import type { Command } from 'commander';
import { DfpError } from '../../core/errors.ts';
import type { Commit, LakeDiff, TableDiff } from '../../core/lake/types.ts';
import type { ObjectLake } from '../../lake/repository.ts';
import { type CommandContext, type CommandOutput, defineAction, withCommonOptions } from '../context.ts';
import { formatTable } from '../table.ts';

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

export function registerLake(program: Command): void {
  const lake = program
    .command('lake')
    .description('the versioned data lake: commits of Parquet tables on branches, with tags, diff and time travel')
    .addHelpText('after', '\nRefs: a branch, a tag, a commit id or a unique prefix (7+ hex digits), optionally with ~N (N commits back).');

  withCommonOptions(
    lake
      .command('log')
      .description('commits reachable from a ref, newest first')
      .option('--ref <ref>', 'branch, tag or commit to start from (default: the default branch)')
      .option('-n, --limit <n>', 'show at most n commits')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake log\n  dfp lake log --ref v1 -n 5 --json\n  dfp lake log lake.backend=s3'),
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
    lake
      .command('branches')
      .description('list branches and tags with the commit each points to')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake branches\n  dfp lake branches --json'),
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
    branch
      .command('create')
      .description('create a branch at a ref (fails if the branch exists)')
      .argument('<name>', 'new branch name (letters, digits, . _ - and /)')
      .option('--from <ref>', 'where the branch starts (default: the default branch)')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake branch create experiment\n  dfp lake branch create rescue --from 3f2a9c1 --json'),
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
    lake
      .command('tag')
      .description('name a commit permanently (tags never move; re-tagging the same commit is a no-op)')
      .argument('<name>', 'tag name')
      .argument('<ref>', 'branch, tag or commit to tag')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake tag v1 main\n  dfp lake tag before-cleanup main~2 --json'),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const ref = await l.tag(arg(args, 0, 'name'), arg(args, 1, 'ref'));
        return { result: ref, human: `tagged ${short(ref.commit)} as ${ref.name}` };
      }),
    ),
  );

  withCommonOptions(
    lake
      .command('diff')
      .description('what changed between two refs: tables added/removed/changed, and rows by key for keyed tables')
      .argument('<a>', 'older ref')
      .argument('<b>', 'newer ref')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake diff main~1 main\n  dfp lake diff v1 v2 --json'),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const diff = await l.diff(arg(args, 0, 'a'), arg(args, 1, 'b'));
        return { result: diff, human: diffText(diff) };
      }),
    ),
  );

  withCommonOptions(
    lake
      .command('show')
      .description('one commit: id, parents, author, message, tables and metadata')
      .argument('<ref>', 'branch, tag or commit')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake show main\n  dfp lake show 3f2a9c1 --json'),
  ).action(
    defineAction((ctx, args) =>
      withLake(ctx, async (l) => {
        const commit = await l.resolve(arg(args, 0, 'ref'));
        return { result: commit, human: showText(commit) };
      }),
    ),
  );

  withCommonOptions(
    lake
      .command('tables')
      .description('the tables at a ref with rows, columns, key and content hash')
      .option('--ref <ref>', 'branch, tag or commit (default: the default branch)')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake tables\n  dfp lake tables --ref v1 --json'),
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
    lake
      .command('head')
      .description('the first rows of a table at a ref')
      .argument('<table>', 'table name (see `dfp lake tables`)')
      .option('--ref <ref>', 'branch, tag or commit (default: the default branch)')
      .option('-n, --rows <n>', 'number of rows', '10')
      .argument(...OVERRIDES)
      .addHelpText('after', '\nExamples:\n  dfp lake head apps\n  dfp lake head apps --ref v1 -n 3 --json'),
  ).action(
    defineAction((ctx, args, opts) =>
      withLake(ctx, async (l) => {
        const table = arg(args, 0, 'table');
        const ref = opts.ref === undefined ? ctx.config.lake.default_branch : String(opts.ref);
        const n = positiveInt(opts.rows, '--rows');
        const commit = await l.resolve(ref);
        if (!commit.tables[table]) {
          const names = Object.keys(commit.tables);
          throw new DfpError('NOT_FOUND', `no table '${table}' at ${ref}; tables: ${names.length ? names.join(', ') : 'none'} (see \`dfp lake tables --ref ${ref}\`)`, { ref, table });
        }
        // Read by commit id, not by ref, so a branch moving meanwhile cannot mix two versions.
        const path = await l.tablePath(commit.id, table);
        const { engineOptions, literal, openDuckDb, queryRows } = await import('../../engine/duckdb/connection.ts');
        const conn = await openDuckDb(engineOptions(ctx.config));
        try {
          const rows = await queryRows(conn, `SELECT * FROM read_parquet(${literal(path)}) LIMIT ${n}`);
          const columns = commit.tables[table]?.columns.map((c) => c.name) ?? Object.keys(rows[0] ?? {});
          return {
            result: { ref, commit: commit.id, table, columns, rows },
            human: formatTable(columns, rows.map((r) => columns.map((c) => r[c])), 24),
          };
        } finally {
          conn.closeSync();
        }
      }),
    ),
  );
}
