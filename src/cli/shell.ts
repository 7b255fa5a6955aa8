/** @module Command lines as a user would type them again (POSIX shell quoting), for hints that repeat a command. */

/** One argument, quoted only when the shell would otherwise split or expand it. */
export function shellQuote(arg: string): string {
  return arg !== '' && /^[\w@%+=:,./~-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function commandLine(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}
