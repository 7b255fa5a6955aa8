// The model template language: `{{ name(args) }}` calls in SQL (ref, source, config and column macros),
// parsed without a template engine. Expansion keeps every source line on the same line number, so an
// engine error at line N of the expanded SQL is line N of the .sql file.
import { DfpError } from '../core/errors.ts';

/** A string argument, positional or `key='value'`. Numbers and bare words are accepted as strings. */
export interface MacroCall {
  name: string;
  args: string[];
  kwargs: Record<string, string>;
  /** Offsets of the whole `{{ … }}` in the source text. */
  start: number;
  end: number;
  line: number;
}

export interface ParsedModel {
  calls: MacroCall[];
  refs: string[];
  sources: { source: string; table: string }[];
  config: Record<string, string>;
}

const CALL = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([\s\S]*?)\)\s*\}\}/g;

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Splits `'a', "b", key='c', 3` into positional and keyword arguments. */
export function parseArgs(raw: string, where: string): { args: string[]; kwargs: Record<string, string> } {
  const args: string[] = [];
  const kwargs: Record<string, string> = {};
  const ARG = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*=\s*)?(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([A-Za-z0-9_.-]+))\s*(,|$)/y;
  let pos = 0;
  const text = raw.trim();
  while (pos < text.length) {
    ARG.lastIndex = pos;
    const m = ARG.exec(text);
    if (!m || m[0].length === 0) {
      throw new DfpError('INPUT_INVALID', `${where}: cannot read macro arguments '${raw.trim()}': use quoted strings, e.g. ref('model') or config(materialized='table')`);
    }
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    if (m[1] !== undefined) kwargs[m[1]] = value;
    else if (Object.keys(kwargs).length > 0) throw new DfpError('INPUT_INVALID', `${where}: positional argument after keyword arguments in '${raw.trim()}'`);
    else args.push(value);
    pos = ARG.lastIndex;
  }
  return { args, kwargs };
}

/** Finds every macro call and the model's refs, sources and config. `where` names the file in errors. */
export function parseModel(text: string, where: string): ParsedModel {
  const calls: MacroCall[] = [];
  for (const m of text.matchAll(CALL)) {
    const start = m.index ?? 0;
    const line = lineAt(text, start);
    const { args, kwargs } = parseArgs(m[2] ?? '', `${where}:${line}`);
    calls.push({ name: m[1] ?? '', args, kwargs, start, end: start + m[0].length, line });
  }
  const stray = text.replace(CALL, '').search(/\{\{|\}\}/);
  if (stray >= 0) {
    throw new DfpError('INPUT_INVALID', `${where}: unbalanced or unreadable '{{ … }}' (macros look like {{ ref('model') }})`);
  }
  const refs: string[] = [];
  const sources: { source: string; table: string }[] = [];
  const config: Record<string, string> = {};
  for (const c of calls) {
    const at = `${where}:${c.line}`;
    if (c.name === 'ref') {
      if (c.args.length !== 1 || !c.args[0]) throw new DfpError('INPUT_INVALID', `${at}: ref() takes one model name, e.g. {{ ref('stg_kronodroid__apps') }}`);
      if (!refs.includes(c.args[0])) refs.push(c.args[0]);
    } else if (c.name === 'source') {
      const [source, table] = c.args;
      if (c.args.length !== 2 || !source || !table) throw new DfpError('INPUT_INVALID', `${at}: source() takes a source and a table name, e.g. {{ source('kronodroid', 'raw') }}`);
      if (!sources.some((s) => s.source === source && s.table === table)) sources.push({ source, table });
    } else if (c.name === 'config') {
      if (c.args.length > 0) throw new DfpError('INPUT_INVALID', `${at}: config() takes keyword arguments, e.g. {{ config(materialized='view') }}`);
      Object.assign(config, c.kwargs);
    }
  }
  return { calls, refs, sources, config };
}

/**
 * Replaces each call with `expand(call)`. Expansions must be single-line; the newlines a call spanned
 * are kept after it so line numbers do not move.
 */
export function expandModel(text: string, calls: MacroCall[], expand: (call: MacroCall) => string): string {
  let out = '';
  let pos = 0;
  for (const c of calls) {
    const replacement = expand(c);
    if (replacement.includes('\n')) throw new DfpError('INTERNAL', `macro ${c.name} expanded to several lines`);
    const spanned = text.slice(c.start, c.end).split('\n').length - 1;
    out += text.slice(pos, c.start) + replacement + '\n'.repeat(spanned);
    pos = c.end;
  }
  return out + text.slice(pos);
}
