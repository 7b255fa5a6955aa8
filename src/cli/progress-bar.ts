/** @module Terminal progress bars (cli-progress) for the Progress interface, shown only on a TTY. */
import cliProgress from 'cli-progress';
import { type Progress, silentProgress } from '../core/progress.ts';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return silentProgress;
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
