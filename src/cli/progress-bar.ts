/**
 * @module The CLI's Progress: a redrawn bar (cli-progress) on a terminal; elsewhere (a pipe, a log file, CI)
 * plain lines at a modest rate (progress-lines.ts), so long jobs still show they are moving.
 */
import cliProgress from 'cli-progress';
import type { Progress } from '../core/progress.ts';
import { lineProgress } from './progress-lines.ts';

/** DFP_PROGRESS_SECONDS: least seconds between two progress lines off a terminal (unset: the line reporter's default). */
function lineInterval(env: NodeJS.ProcessEnv): { intervalMs?: number } {
  const s = env.DFP_PROGRESS_SECONDS?.trim() ? Number(env.DFP_PROGRESS_SECONDS) : NaN;
  return Number.isFinite(s) && s >= 0 ? { intervalMs: s * 1000 } : {};
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return lineProgress({ write: (line) => stream.write(`${line}\n`), ...lineInterval(process.env) });
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total, unit = '') {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream,
          format: total === undefined ? `${label} {value} ${unit}` : `${label} [{bar}] {percentage}% {value}/{total} ${unit} ETA {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total ?? 0, 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
