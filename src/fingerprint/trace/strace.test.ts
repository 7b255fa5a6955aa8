// strace text in the shapes strace writes (-f with and without -t/-tt/-ttt/-r/-T, unfinished/resumed calls, signals,
// exits, the -c table) counted into KronoDroid's system-call columns, aliases and unnamed numbers included, and
// names without a column reported with their counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSCALL_COLUMNS } from '../../core/kronodroid/schema.ts';
import { parseStrace } from './strace.ts';
import { ALIASES, columnFor } from './syscall-columns.ts';
import { traceFeatures } from './trace-features.ts';

const F_TT_T = `1234  12:00:00.000001 execve("/system/bin/app_process", ["app_process"], 0x7ff /* 20 vars */) = 0 <0.000400>
1234  12:00:00.000100 openat(AT_FDCWD, "/data/app/x.apk", O_RDONLY|O_LARGEFILE) = 3 <0.000020>
[pid  1240] 12:00:00.000200 read(3,  <unfinished ...>
1234  12:00:00.000210 getuid32() = 10123 <0.000003>
[pid  1240] 12:00:00.000300 <... read resumed>"PK\\3\\4", 4) = 4 <0.000100>
1234  12:00:00.000400 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1240} ---
1240  12:00:00.000500 +++ exited with 0 +++
1234  12:00:00.000600 syscall_983042(0x1, 0x2, 0) = 0 <0.000001>
1234  12:00:00.000700 SYS_300(0x1) = -1 ENOSYS (Function not implemented) <0.000001>
1234  12:00:00.000800 newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=10, ...}, AT_EMPTY_PATH) = 0 <0.000002>
1234  12:00:00.000900 lstat64("/x", 0xbe8) = 0
1234  12:00:00.001000 close(3) = 0
strace: Process 1240 detached
`;

test('strace -f -tt -T lines: one count per call, resumed halves and signals not counted', () => {
  const t = parseStrace(F_TT_T);
  assert.equal(t.shape, 'lines');
  assert.equal(t.unparsed, 0);
  assert.deepEqual(Object.fromEntries(t.calls), { execve: 1, openat: 1, read: 1, getuid32: 1, syscall_983042: 1, SYS_300: 1, newfstatat: 1, lstat64: 1, close: 1 });
});

test('timestamps of -t, -ttt and -r, bare lines, and lines that are not calls', () => {
  const t = parseStrace(['12:00:01 write(1, "x", 1) = 1', '1577836800.123456 write(1, "x", 1) = 1', '     0.000123 futex(0x1, FUTEX_WAIT, 0) = 0', 'brk(NULL) = 0x1000', 'this is not strace', ''].join('\n'));
  assert.deepEqual(Object.fromEntries(t.calls), { write: 2, futex: 1, brk: 1 });
  assert.equal(t.unparsed, 1);
  assert.equal(t.firstUnparsed, 'this is not strace');
});

test('the -c summary table: its calls column, the total row left out', () => {
  const table = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 45.10    0.004510          11       400           futex
 20.00    0.002000           5       400        12 openat
  0.50    0.000050          50         1           execve
  0.00    0.000000           0        37           fstat
------ ----------- ----------- --------- --------- ----------------
100.00    0.010000                   838        12 total
`;
  const t = parseStrace(table);
  assert.equal(t.shape, 'summary');
  assert.deepEqual(Object.fromEntries(t.calls), { futex: 400, openat: 400, execve: 1, fstat: 37 });
  // -C: lines and the table in one file; the table is the count
  assert.deepEqual(Object.fromEntries(parseStrace(`1 futex(0x1) = 0\n${table}`).calls), Object.fromEntries(t.calls));
});

test('names map onto the ARM columns: aliases, syscall_N / SYS_N, unknowns reported with counts', () => {
  assert.equal(columnFor('openat'), 'openat');
  assert.equal(columnFor('newfstatat'), 'fstatat64');
  assert.equal(columnFor('getuid'), 'getuid32');
  assert.equal(columnFor('cacheflush'), 'syscall_983042');
  assert.equal(columnFor('syscall_983042'), 'syscall_983042');
  assert.equal(columnFor('syscall_0x12c'), 'SYS_300');
  assert.equal(columnFor('SYS_369'), 'SYS_369');
  assert.equal(columnFor('SYS_370'), undefined);
  assert.equal(columnFor('lstat64'), undefined);
  assert.equal(columnFor('nr_syscalls'), undefined, 'the total is not a call');
  for (const [from, to] of Object.entries(ALIASES)) assert.ok(SYSCALL_COLUMNS.includes(to as never), `alias ${from} → ${to} names a column`);

  const f = traceFeatures([{ name: 'a.strace', counts: parseStrace(F_TT_T) }, { name: 'a.strace.2', counts: parseStrace('7 getuid() = 0\n7 lstat64("/y", 0x1) = 0\n') }]);
  assert.equal(Object.keys(f.features).length, 289);
  assert.equal(f.features.getuid32, 2, 'getuid32 and getuid (arm64 name) are one column');
  assert.equal(f.features.fstatat64, 1);
  assert.equal(f.features.SYS_300, 1);
  assert.equal(f.features.nr_syscalls, 9, 'the total sums the columns, unknown calls left out');
  assert.deepEqual(f.unknown, { lstat64: 2 });
  assert.ok(f.warnings.some((w) => /without a KronoDroid column.*lstat64 ×2/.test(w)), f.warnings.join('\n'));
});

test('a trace file is streamed line by line with the same counts as in memory, CR LF line ends too', async (t) => {
  const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { readStraceFile } = await import('./strace.ts');
  const d = mkdtempSync(join(tmpdir(), 'dfp-strace-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const file = join(d, 'big.strace');
  // 200,000 lines: several stream chunks, so lines cut at chunk edges must still count once
  writeFileSync(file, `${F_TT_T}${'77  12:00:01.000000 futex(0xabc, FUTEX_WAKE, 1) = 0 <0.000001>\r\n'.repeat(200_000)}`);
  const streamed = await readStraceFile(file);
  assert.equal(streamed.calls.get('futex'), 200_000);
  assert.equal(streamed.unparsed, 0);
  assert.deepEqual(Object.fromEntries(streamed.calls), { ...Object.fromEntries(parseStrace(F_TT_T).calls), futex: 200_000 });
});
