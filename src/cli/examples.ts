/**
 * @module Help examples as data. Each command declares its examples once, with `withExamples`; `--help`
 * prints them and tests/cli/help-examples.test.ts runs every one of them, as printed, in a workspace made
 * by `dfp run`, so an example cannot name a model, table, ref or file that a new user would not have.
 * Adding an example to a command's list adds it to that test; nothing else needs to change.
 */
import type { Command } from 'commander';

/** What a test must provide or expect to run an example as printed. */
export type ExampleKind =
  /** Runs to completion (the default). */
  | 'batch'
  /** A server: started, probed over HTTP until ready, then stopped with SIGTERM. */
  | 'server'
  /** A long job: started, stopped with SIGTERM once its first progress line shows it is under way. */
  | 'long';

/**
 * Peers an example talks to. The test runs it without them and expects the message that says what to do
 * (an offline hint, "start the server"), unless the peer happens to answer.
 */
export type ExamplePeer = 'internet' | 'mlflow' | 's3' | 'redis';

export interface Example {
  /**
   * The command line as a user types it: optional `NAME=value` environment assignments, then `dfp …`;
   * `a && b` for a command that needs another first. `<name>` stands for a value only a workspace knows (a run id, a commit id, an app's sha256): the
   * test substitutes it. Use one only where no fixed value can work.
   */
  line: string;
  /** A short comment printed after the line. */
  note?: string;
  kind?: ExampleKind;
  needs?: ExamplePeer;
  /** Exit code of the example as printed, when it is not 0 (e.g. an example of a refusal). */
  exit?: number;
}

const registry = new WeakMap<Command, Example[]>();

/** The examples a command declared (empty when none). */
export function examplesOf(cmd: Command): readonly Example[] {
  return registry.get(cmd) ?? [];
}

/** Every command of the tree with its full name ("lake branch create") and its examples, root first. */
export function allExamples(program: Command): { command: string; examples: readonly Example[] }[] {
  const out: { command: string; examples: readonly Example[] }[] = [];
  const walk = (cmd: Command, path: string[]) => {
    out.push({ command: path.join(' '), examples: examplesOf(cmd) });
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return out;
}

/** Long lines are broken before an option, with a shell continuation, to stay readable in about 100 columns. */
const WRAP = 100;

function wrap(line: string): string[] {
  if (line.length <= WRAP) return [line];
  const out: string[] = [];
  let rest = line;
  while (rest.length > WRAP) {
    // Break before the last " --option" or " key=value" that keeps the head within WRAP; quotes stay whole.
    let cut = -1;
    let quoted = false;
    for (let i = 0; i < Math.min(rest.length, WRAP); i++) {
      if (rest[i] === '"') quoted = !quoted;
      if (!quoted && rest[i] === ' ' && i > 0 && /^ (--?\w|[\w.]+=)/.test(rest.slice(i))) cut = i;
    }
    if (cut <= 0) break;
    out.push(`${rest.slice(0, cut)} \\`);
    rest = `    ${rest.slice(cut + 1)}`;
  }
  out.push(rest);
  return out;
}

/** The "Examples:" block as --help prints it: a note after its line when both fit in 100 columns, else above it. */
export function formatExamples(examples: readonly Example[]): string {
  const lines = examples.map((e) => wrap(e.line));
  const inline = (l: string[], note: string | undefined) => note !== undefined && l.length === 1 && l[0]!.length + note.length + 7 <= 100;
  const width = Math.max(0, ...examples.map((e, i) => (inline(lines[i]!, e.note) ? lines[i]![0]!.length : 0)));
  const body = examples.flatMap((e, i) => {
    const l = lines[i]!;
    if (e.note === undefined) return l;
    if (inline(l, e.note) && width + e.note.length + 7 <= 100) return [`${l[0]!.padEnd(width)}   # ${e.note}`];
    if (inline(l, e.note)) return [`${l[0]}   # ${e.note}`];
    return [`# ${e.note}`, ...l];
  });
  return `Examples:\n${body.map((x) => `  ${x}`).join('\n')}`;
}

/**
 * Declares a command's examples: they are printed at the end of its --help, after `intro` (prose that
 * comes before them), and are run by the help-examples test.
 */
export function withExamples(cmd: Command, examples: Example[], intro = ''): Command {
  for (const e of examples) {
    if (!/^(?:[A-Z][A-Z0-9_]*=\S*\s+)*dfp(?:\s|$)/.test(e.line)) throw new Error(`example '${e.line}' must start with dfp (after optional NAME=value assignments)`);
  }
  registry.set(cmd, [...(registry.get(cmd) ?? []), ...examples]);
  cmd.addHelpText('after', `${intro ? `\n${intro.replace(/^\n+|\n+$/g, '')}\n` : ''}\n${formatExamples(examples)}`);
  return cmd;
}
