/**
 * @module Progress as plain lines, for stderr that is not a terminal (a log file, CI, a pipe): no bar to
 * redraw, so one line when a phase with a known total starts, then at most one line per `intervalMs` with
 * the amount done, the share and an ETA, and one line when such a phase ends. Phases without a total
 * (the short steps of most commands) print only if they run longer than one interval, so quick commands
 * stay quiet. The clock and the sink are injectable for tests.
 */
import type { Progress } from '../core/progress.ts';

export interface LineProgressOptions {
  /** Where each line goes (without its newline). */
  write: (line: string) => void;
  /** Least time between two progress lines of one phase (default 10 s). */
  intervalMs?: number;
  now?: () => number;
}

const count = (n: number) => Math.round(n).toLocaleString('en');

/** 75 → "1m 15s"; 3725 → "1h 2m". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

export function lineProgress(o: LineProgressOptions): Progress {
  const interval = o.intervalMs ?? 10_000;
  const now = o.now ?? Date.now;
  let phase: { label: string; total: number | undefined; unit: string; started: number; lastLine: number; done: number; printed: boolean } | undefined;
  const amount = (n: number, unit: string) => `${count(n)}${unit ? ` ${unit}` : ''}`;

  const end = () => {
    if (phase?.printed) {
      const p = phase;
      const what = p.total === undefined ? amount(p.done, p.unit) : `${count(p.done)}/${amount(p.total, p.unit)}`;
      o.write(`${p.label}: done, ${what} in ${formatSeconds((now() - p.started) / 1000)}`);
    }
    phase = undefined;
  };

  return {
    start(label, total, unit = '') {
      // A restart without stop() and with the same total is the same phase relabelled (the training loop
      // puts each epoch's loss in its label): it keeps its clock and prints no new start line.
      if (phase && phase.total === total && phase.unit === unit) {
        phase.label = label;
        return;
      }
      end();
      const t = now();
      phase = { label, total, unit, started: t, lastLine: t, done: 0, printed: total !== undefined };
      if (total !== undefined) o.write(`${label}: started, ${amount(total, unit)}`);
    },
    update(done) {
      if (!phase) return;
      phase.done = done;
      const t = now();
      if (t - phase.lastLine < interval) return;
      phase.lastLine = t;
      phase.printed = true;
      const elapsed = (t - phase.started) / 1000;
      const { total, unit } = phase;
      if (total === undefined || total <= 0) {
        o.write(`${phase.label}: ${amount(done, unit)}, ${formatSeconds(elapsed)} elapsed`);
        return;
      }
      const share = Math.min(1, done / total);
      const eta = share > 0 ? formatSeconds((elapsed * (1 - share)) / share) : 'unknown';
      o.write(`${phase.label}: ${count(done)}/${amount(total, unit)} (${Math.floor(share * 100)}%), ${formatSeconds(elapsed)} elapsed, ETA ${eta}`);
    },
    stop() {
      end();
    },
  };
}
