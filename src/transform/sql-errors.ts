// Turns an engine error for a model into a DfpError naming the .sql file and line. Expansion keeps
// line numbers (see template.ts) and the runner's wrapper starts on line 1, so DuckDB's `LINE n:` is
// the file's line n.
import { DfpError, messageOf } from '../core/errors.ts';
import { classifyFault } from '../core/faults.ts';

export interface SqlErrorSite {
  line?: number;
  /** The engine's message without its echo of the SQL and the caret line. */
  reason: string;
}

export function sqlErrorSite(message: string): SqlErrorSite {
  const m = /\n\s*LINE (\d+):/.exec(message);
  const reason = (m ? message.slice(0, m.index) : message).trim().replace(/\n+/g, ' ');
  return m ? { line: Number(m[1]), reason } : { reason };
}

export function modelSqlError(model: string, file: string, source: string, e: unknown): DfpError {
  // A disk that fills while the model's Parquet is written is the machine's fault, not the SQL's.
  const fault = classifyFault(e);
  if (fault && fault.code !== 'INPUT_INVALID') return new DfpError(fault.code, `model ${model} (${file}): ${fault.message}`, { model, file, ...fault.details }, { cause: e });
  const { line, reason } = sqlErrorSite(messageOf(e));
  const lines = source.split('\n');
  // The wrapper may add a last line after the model's own; point at the model's last line then.
  const at = line === undefined ? undefined : Math.min(line, lines.length);
  const text = at === undefined ? undefined : lines[at - 1]?.trim();
  const where = at === undefined ? file : `${file}:${at}`;
  return new DfpError(
    'INPUT_INVALID',
    `model ${model} failed at ${where}: ${reason}${text ? ` (line ${at}: ${text.length > 120 ? `${text.slice(0, 119)}…` : text})` : ''}`,
    { model, file, ...(at === undefined ? {} : { line: at, source_line: text }), engine_message: reason },
    { cause: e },
  );
}
