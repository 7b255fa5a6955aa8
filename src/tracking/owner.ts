/**
 * @module Who owns a RUNNING run: every run records the host and process that created it (tags dfp.owner.*), so a
 * later dfp can tell a run that is still being written from one whose process crashed or was killed (`stale.ts`).
 * On Linux the process's start time (boot id + start ticks from /proc) is recorded too, so a recycled pid is not
 * mistaken for the owner.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export const OWNER_TAGS = { host: 'dfp.owner.host', pid: 'dfp.owner.pid', start: 'dfp.owner.start' } as const;

export type OwnerState = 'alive' | 'gone' | 'unknown';

function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Field 22 of /proc/<pid>/stat (start time in clock ticks after boot); undefined without /proc, without the process, or
 * for a zombie (it has exited; only its parent has not collected it yet).
 */
function startTicks(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing one
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

/** The tags naming this process as a run's owner. */
export function ownerTags(): Record<string, string> {
  const boot = bootId();
  const ticks = startTicks('self');
  return { [OWNER_TAGS.host]: hostname(), [OWNER_TAGS.pid]: String(process.pid), ...(boot && ticks ? { [OWNER_TAGS.start]: `${boot}:${ticks}` } : {}) };
}

/**
 * Whether the process named by a run's owner tags still runs. 'unknown' for runs without the tags (older dfp) and for
 * runs owned on another host: nothing here can see those processes, so they are never declared gone.
 */
export function ownerState(tags: Record<string, string>): OwnerState {
  const host = tags[OWNER_TAGS.host];
  const pid = Number(tags[OWNER_TAGS.pid]);
  if (!host || !Number.isInteger(pid) || pid <= 0 || host !== hostname()) return 'unknown';
  const start = tags[OWNER_TAGS.start];
  const boot = bootId();
  if (start && boot) {
    const [ownerBoot, ownerTicks] = start.split(':');
    if (ownerBoot !== boot) return 'gone'; // the machine rebooted since
    const ticks = startTicks(pid);
    return ticks !== undefined && ticks === ownerTicks ? 'alive' : 'gone';
  }
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'alive'; // EPERM: alive, another user's
  }
}
