/**
 * @module What every command gets: the resolved config, a logger, a progress reporter and the output
 * mode, plus `defineAction`, which turns a handler into a commander action with the shared behaviour:
 * `key=value` overrides, --json (exactly one JSON document on stdout), -v, and errors as one line.
 */
import type { Command } from 'commander';
import type { LoadedConfig } from '../core/config/load.ts';
import type { DfpConfig } from '../core/config/schema.ts';
import { exitCodeFor, isDfpError } from '../core/errors.ts';
import { asDfpError } from '../core/faults.ts';
import type { Progress } from '../core/progress.ts';
import { silentProgress } from '../core/progress.ts';
import type { Logger } from '../log/logger.ts';

export interface CommandContext {
  config: DfpConfig;
  loaded: LoadedConfig;
  /** The key=value arguments as typed, for commands that resolve further configs on top of them. */
  overrides: string[];
  log: Logger;
  progress: Progress;
  json: boolean;
}

/** A handler returns the JSON result and the text a person reads; the wrapper prints one of them. */
export interface CommandOutput {
  result: unknown;
  human: string;
}

interface CommonOptions {
  json?: boolean;
  verbose?: number;
}

/** Adds --json and -v to a command; call it on every leaf command. */
export function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print exactly one JSON document on stdout (for scripts)')
    .option('-v, --verbose', 'log more to stderr (-v info, -vv debug)', (_v: string, prev: number) => prev + 1, 0);
}

export let lastExitCode = 0;

/**
 * Wraps a handler. `positional` are the command's own arguments; anything of the form key=value among
 * the trailing `[overrides...]` goes to the config loader.
 */
export function defineAction(handler: (ctx: CommandContext, args: string[], opts: Record<string, unknown>) => Promise<CommandOutput>) {
  return async (...raw: unknown[]): Promise<void> => {
    const command = raw[raw.length - 1] as Command;
    const opts = command.opts() as CommonOptions & Record<string, unknown>;
    const positional = (raw.slice(0, -2) as (string | string[] | undefined)[]).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a : [a]));
    const json = Boolean(opts.json);
    try {
      // Loaded here, not at the top: zod, pino and cli-progress cost start-up time that --help does not need.
      const [{ loadConfig }, { createLogger }, { terminalProgress }, { isOverrideLike, parseOverride }] = await Promise.all([
        import('../core/config/load.ts'),
        import('../log/logger.ts'),
        import('./progress-bar.ts'),
        import('../core/config/overrides.ts'),
      ]);
      // Overrides may stand anywhere among the positionals; every one must be well-formed, and a word that is
      // neither an override nor one of the command's own arguments is refused instead of ignored.
      const overrides = positional.filter(isOverrideLike);
      // A variadic option (--apk a.apk b.apk, --trace …) takes every word after it: the key=value ones are overrides.
      // Only variadic options: a repeatable one (--candidate "name: key=value") holds key=value text of its own.
      const variadic = new Set(command.options.filter((opt) => opt.variadic).map((opt) => opt.attributeName()));
      for (const [k, v] of Object.entries(opts)) {
        if (!variadic.has(k) || !Array.isArray(v) || !v.some((w) => typeof w === 'string' && isOverrideLike(w))) continue;
        overrides.push(...(v as string[]).filter(isOverrideLike));
        opts[k] = (v as string[]).filter((w) => !isOverrideLike(w));
      }
      for (const o of overrides) parseOverride(o);
      const args = positional.filter((a) => !isOverrideLike(a));
      const own = command.registeredArguments.filter((a) => !a.variadic).length;
      // A command whose variadic argument is its own (files, not `[overrides...]`) takes any number of words.
      const ownVariadic = command.registeredArguments.some((a) => a.variadic && a.name() !== 'overrides');
      if (!ownVariadic && args.length > own) parseOverride(args[own]!);
      const loaded = loadConfig({ overrides });
      const verbose = opts.verbose ?? 0;
      const level = verbose >= 2 ? 'debug' : verbose === 1 ? 'info' : loaded.config.log.level;
      const ctx: CommandContext = {
        config: loaded.config,
        loaded,
        overrides,
        log: createLogger(level),
        progress: json ? silentProgress : terminalProgress(),
        json,
      };
      const out = await handler(ctx, args, opts);
      process.stdout.write(json ? `${toJson(out.result)}\n` : out.human.endsWith('\n') || out.human === '' ? out.human : `${out.human}\n`);
      lastExitCode = 0;
    } catch (e) {
      lastExitCode = reportError(e, json);
    }
  };
}

/** Prints a failure as one line (and the JSON error with --json); returns the exit code. Environment faults get their own code (faults.ts). */
export function reportError(e: unknown, json: boolean): number {
  const error = asDfpError(e);
  if (json) process.stdout.write(`${toJson({ error: error.toJSON() })}\n`);
  process.stderr.write(`dfp: ${error.code === 'INTERNAL' ? 'internal error' : 'error'}: ${error.message}\n`);
  if (!isDfpError(e) && e instanceof Error && process.env.DFP_DEBUG) process.stderr.write(`${e.stack}\n`);
  return exitCodeFor(error);
}

/** JSON with bigint as number (DuckDB returns BIGINT as bigint) and stable formatting. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), indent);
}
