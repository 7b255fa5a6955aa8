/**
 * @module The one logger: structured JSON lines (pino) on stderr, so stdout stays for results.
 * Quiet by default (warnings and errors only); -v shows info, -vv debug.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'warn'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd: 2, sync: true }));
}

/** For code that may be called without a logger (libraries, tests). */
export const silentLogger: Logger = pino({ level: 'silent' });
