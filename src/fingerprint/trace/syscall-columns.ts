/**
 * @module Which KronoDroid column a system call name counts in. KronoDroid was captured on 32-bit ARM
 * (`getuid32`, `fstat64`, `mmap2`, `_llseek` …); traces from arm64, x86-64 or a newer strace name the same calls
 * differently, so ALIASES maps those names onto the ARM column. Calls strace cannot name appear as `syscall_<n>`,
 * `syscall_0x<hex>` or `SYS_<n>` and count in `SYS_<n>` (or `syscall_<n>`) when KronoDroid has that column.
 * Anything else is unknown: reported with its count, never dropped silently.
 */
import { SYSCALL_COLUMNS } from '../../core/kronodroid/schema.ts';

/** The total column, the sum of every other system-call column (true in every row of the published data). */
export const TOTAL_COLUMN = 'nr_syscalls';

const COLUMNS: ReadonlySet<string> = new Set(SYSCALL_COLUMNS.filter((c) => c !== TOTAL_COLUMN));

/** Other architectures' or newer strace's names → the 32-bit ARM column KronoDroid uses. */
export const ALIASES: Readonly<Record<string, string>> = {
  // 64-bit ABIs dropped the 32 suffix of the 16-bit-uid-era calls
  getuid: 'getuid32', getgid: 'getgid32', geteuid: 'geteuid32', getegid: 'getegid32', getresuid: 'getresuid32',
  getresgid: 'getresgid32', getgroups: 'getgroups32', setgroups: 'setgroups32', setgid: 'setgid32', setuid: 'setuid32',
  setreuid: 'setreuid32', setregid: 'setregid32', setresuid: 'setresuid32', setresgid: 'setresgid32', fchown: 'fchown32',
  // large-file variants are the only ones on 64-bit ABIs
  fcntl: 'fcntl64', fstat: 'fstat64', newfstatat: 'fstatat64', stat: 'stat64', statfs: 'statfs64', fstatfs: 'fstatfs64',
  ftruncate: 'ftruncate64', mmap: 'mmap2', fadvise64: 'fadvise64_64', arm_fadvise64_64: 'fadvise64_64', llseek: '_llseek',
  // 32-bit time64 variants (Linux 5.1+, strace 5.x+)
  clock_gettime64: 'clock_gettime', clock_settime64: 'clock_settime', clock_getres_time64: 'clock_getres',
  clock_nanosleep_time64: 'clock_nanosleep', clock_adjtime64: 'clock_adjtime', timer_settime64: 'timer_settime',
  timer_gettime64: 'timer_gettime', timerfd_settime64: 'timerfd_settime', timerfd_gettime64: 'timerfd_gettime',
  futex_time64: 'futex', ppoll_time64: 'ppoll', pselect6_time64: 'pselect6', recvmmsg_time64: 'recvmmsg',
  rt_sigtimedwait_time64: 'rt_sigtimedwait', utimensat_time64: 'utimensat', sched_rr_get_interval_time64: 'sched_rr_get_interval',
  // ARM private call 0x0f0002, which older strace printed as syscall_983042
  cacheflush: 'syscall_983042', ARM_cacheflush: 'syscall_983042',
};

/** The column a call name counts in, or undefined when KronoDroid has none for it. */
export function columnFor(name: string): string | undefined {
  if (COLUMNS.has(name)) return name;
  const alias = ALIASES[name];
  if (alias !== undefined) return alias;
  const m = /^(?:syscall_|SYS_)(0x[0-9a-f]+|\d+)$/i.exec(name);
  if (m) {
    const n = Number(m[1]);
    for (const c of [`SYS_${n}`, `syscall_${n}`]) if (COLUMNS.has(c)) return c;
  }
  return undefined;
}
