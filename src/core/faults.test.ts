// Each class of environment fault, produced for real (a file where a directory should be, /sys, /dev/full, a
// read-only bind mount, an exhausted fd table, DuckDB and SQLite failing on them), is named: STORAGE, INPUT_INVALID,
// NOT_FOUND or CORRUPT with the path and a next step. What is left is INTERNAL: a bug.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openDuckDb } from '../engine/duckdb/connection.ts';
import { DfpError, exitCodeFor } from './errors.ts';
import { asDfpError, classifyFault } from './faults.ts';

const root = resolve(import.meta.dirname, '../..');
const tmp = () => mkdtempSync(join(tmpdir(), 'dfp-faults-'));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

async function rejected(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

function expectFault(e: unknown, code: string, ...fragments: (string | RegExp)[]): DfpError {
  const f = classifyFault(e);
  assert.ok(f, `not classified: ${String(e)}`);
  assert.equal(f.code, code, f.message);
  for (const x of fragments) assert.ok(typeof x === 'string' ? f.message.includes(x) : x.test(f.message), `"${f.message}" lacks ${String(x)}`);
  assert.notEqual(exitCodeFor(f), 70);
  return f;
}

/** Runs `script` (an ES module body with `classify(e)` printing the classified fault) in a child process. */
function child(shell: string, script: string): { status: number | null; out: string; err: string } {
  const file = join(tmp(), 'child.mts');
  writeFileSync(file, `import { classifyFault } from ${JSON.stringify(join(root, 'src/core/faults.ts'))};\nconst classify = (e: unknown) => { const f = classifyFault(e); console.log(JSON.stringify(f ? { code: f.code, message: f.message } : { unclassified: String(e) })); };\n${script}`);
  const r = spawnSync('sh', ['-c', shell.replace('$NODE', `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(file)}`)], { cwd: root, encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Null when a private mount namespace (unshare -m) is available here, else why not. */
function noUnshare(): string | null {
  const r = spawnSync('unshare', ['-m', 'true'], { encoding: 'utf8' });
  return r.status === 0 ? null : `unshare -m is not available here (${(r.error?.message ?? r.stderr).trim()}): needs CAP_SYS_ADMIN`;
}

test('ENOTDIR: a file where a directory is expected is STORAGE naming the path', () => {
  const file = join(tmp(), 'ws');
  writeFileSync(file, 'not a directory');
  expectFault(thrown(() => mkdirSync(join(file, 'tracking'), { recursive: true })), 'STORAGE', `${file}/tracking`, 'ENOTDIR', 'not a directory');
});

test('EACCES: writing where even root may not (/sys) is STORAGE naming the path', () => {
  const e = thrown(() => writeFileSync('/sys/kernel/dfp-fault-test', 'x'));
  assert.equal((e as NodeJS.ErrnoException).code, 'EACCES');
  expectFault(e, 'STORAGE', '/sys/kernel/dfp-fault-test', 'permission denied (EACCES)', 'DFP_HOME');
});

test('ENOSPC: a write to /dev/full is STORAGE saying the disk is full', () => {
  // write(2) carries no path; the operation and the cause are still named.
  expectFault(thrown(() => writeFileSync('/dev/full', 'x')), 'STORAGE', /^write: no space left on device \(ENOSPC\); free space/);
});

test('EROFS: a read-only mount is STORAGE; so is Node’s ENOENT for a recursive mkdir there', (t) => {
  const why = noUnshare();
  if (why) return t.skip(why);
  const src = tmp();
  const ro = tmp();
  const r = child(
    `unshare -m sh -c 'mount --bind ${src} ${ro} && mount -o remount,ro,bind ${ro} && $NODE'`,
    `import { mkdirSync, writeFileSync } from 'node:fs';\ntry { writeFileSync('${ro}/x', 'x'); } catch (e) { classify(e); }\ntry { mkdirSync('${ro}/a/b', { recursive: true }); } catch (e) { classify(e); }`,
  );
  assert.equal(r.status, 0, r.err);
  const [write, mkdir] = r.out.trim().split('\n').map((l) => JSON.parse(l) as { code: string; message: string });
  assert.equal(write?.code, 'STORAGE');
  assert.match(write!.message, new RegExp(`${ro}/x: read-only file system \\(EROFS\\)`));
  assert.equal(mkdir?.code, 'STORAGE');
  assert.match(mkdir!.message, /cannot create the directory .*read-only/);
});

test('EMFILE: an exhausted file table (ulimit -n in a child) is STORAGE naming the limit', () => {
  const r = child(
    `ulimit -n 64 && $NODE`,
    `import { openSync } from 'node:fs';\nconst fds = [];\ntry { for (;;) fds.push(openSync('/dev/null', 'r')); } catch (e) { classify(e); }`,
  );
  assert.equal(r.status, 0, r.err);
  const f = JSON.parse(r.out.trim()) as { code: string; message: string };
  assert.equal(f.code, 'STORAGE');
  assert.match(f.message, /too many open files .*\(EMFILE\); raise the limit \(ulimit -n\)/);
});

test('DuckDB: an I/O error is STORAGE with the OS reason; a parse error of the input is INPUT_INVALID', async () => {
  const conn = await openDuckDb();
  try {
    expectFault(await rejected(conn.run(`COPY (SELECT 1 AS a) TO '/dev/full' (FORMAT CSV)`)), 'STORAGE', '/dev/full', 'No space left on device (ENOSPC)');
    const dir = tmp();
    const file = join(dir, 'f');
    writeFileSync(file, 'x');
    expectFault(await rejected(conn.run(`COPY (SELECT 1 AS a) TO '${file}/out.parquet' (FORMAT PARQUET)`)), 'STORAGE', 'Not a directory (ENOTDIR)');
    expectFault(await rejected(conn.run('SELEC 1')), 'INPUT_INVALID', 'Parser Error: syntax error at or near "SELEC"');
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'a,b\n1,2\nnot-a-number,3\n');
    expectFault(await rejected(conn.run(`SELECT * FROM read_csv('${csv}', columns={'a': 'INTEGER', 'b': 'INTEGER'}, header=true)`)), 'INPUT_INVALID', 'CSV Error on Line');
    // A binder error is dfp's own SQL going wrong: a bug, INTERNAL.
    const binder = await rejected(conn.run('SELECT no_such_column FROM (SELECT 1 AS a)'));
    assert.equal(classifyFault(binder), undefined);
    assert.equal(asDfpError(binder).code, 'INTERNAL');
    assert.equal(exitCodeFor(asDfpError(binder)), 70);
  } finally {
    conn.closeSync();
  }
});

test('SQLite: a read-only database is STORAGE, a file that is not a database is CORRUPT', () => {
  const dir = tmp();
  const file = join(dir, 'db.sqlite');
  new Database(file).exec('CREATE TABLE t (a INTEGER)');
  const ro = new Database(file, { readonly: true });
  expectFault(thrown(() => ro.exec('INSERT INTO t VALUES (1)')), 'STORAGE', 'SQLITE_READONLY', 'read-only');
  ro.close();
  const junk = join(dir, 'junk.sqlite');
  writeFileSync(junk, Buffer.alloc(4096, 7));
  expectFault(thrown(() => new Database(junk).exec('SELECT 1')), 'CORRUPT', 'SQLITE_NOTADB');
});

test('anything else stays as it is: DfpErrors untouched, other errors INTERNAL', () => {
  const mine = new DfpError('NOT_FOUND', 'x');
  assert.equal(classifyFault(mine), undefined);
  assert.equal(asDfpError(mine), mine);
  const bug = asDfpError(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.equal(bug.code, 'INTERNAL');
  assert.equal(exitCodeFor(bug), 70);
  assert.equal(asDfpError('a string').code, 'INTERNAL');
});
