/**
 * @module Every reason an input row can be quarantined for, in one table. The TypeScript type, the per-row
 * SQL checks (which reason a bad field gets, in priority order), the quarantine's human detail text and the
 * mapping of the CSV reader's own error types are all generated from it, so a reason is spelled once.
 */
import { literal } from '../engine/duckdb/connection.ts';
import type { ColumnKind, FilePlan } from './plan.ts';

/** What a check may look at: the staging column (SQL), its integer ceiling, and why the file is read. */
interface CheckContext {
  v: string;
  max: string;
  purpose: FilePlan['purpose'];
}

interface ReasonSpec {
  /** One line for docs and `--help`: what the row had. */
  means: string;
  /**
   * Per column kind, the condition (SQL over the staging column) under which a field that failed its kind's
   * fast check has this reason; reasons are tried in table order. `true` = the fallback of that kind.
   */
  when?: Partial<Record<ColumnKind, (c: CheckContext) => string | undefined>>;
  /** The quarantine's detail text, SQL over `v` (the offending value as VARCHAR); default: `v` itself. */
  detail?: (v: string) => string;
  /** Error types of DuckDB's CSV reader (rejects table) that mean this reason. */
  reader?: readonly string[];
}

export const REASONS = {
  field_count: {
    means: 'the record has more or fewer fields than the header',
    reader: ['TOO MANY COLUMNS', 'MISSING COLUMNS'],
  },
  row_too_long: {
    means: 'the record is longer than the longest record dfp reads (1 MiB); often a file without line ends',
  },
  nul_byte: {
    means: 'the record holds a NUL byte (0x00), a sign of a damaged or binary file',
  },
  malformed: {
    means: 'the CSV record cannot be read: an unterminated quote, bad quoting or bad encoding',
    reader: ['UNQUOTED VALUE', 'INVALID UNICODE', 'LINE SIZE OVER MAXIMUM', 'INVALID STATE'],
  },
  non_numeric: {
    means: 'a number is empty or not a number',
    when: {
      count: ({ v }) => `${v} IS NULL OR isnan(${v})`,
      number: ({ v }) => `isnan(${v})`,
      ratio: () => 'true',
    },
    detail: (v) => `CASE WHEN ${v} = '' THEN 'empty value' ELSE 'value "' || ${v} || '" is not a number' END`,
    reader: ['CAST'],
  },
  negative: {
    means: 'a count is below zero',
    when: { count: ({ v }) => `${v} < 0` },
    detail: (v) => `'value ' || ${v} || ' is negative'`,
  },
  out_of_range: {
    means: 'a count does not fit its integer type',
    when: { count: ({ v, max }) => `${v} > ${max}`, number: ({ v, max }) => `abs(${v}) > ${max}` },
    detail: (v) => `'value ' || ${v} || ' is too large'`,
  },
  not_integer: {
    means: 'a count has a fraction',
    when: { count: () => 'true', number: () => 'true' },
    detail: (v) => `'value ' || ${v} || ' is not a whole number'`,
  },
  missing_label: {
    means: 'the Malware label is empty',
    // Scoring is for apps whose label nobody knows yet: an empty label is not a problem there.
    when: { label: ({ v, purpose }) => (purpose === 'score' ? undefined : `NULLIF(trim(${v}), '') IS NULL`) },
    detail: () => `'the label is empty'`,
  },
  bad_label: {
    means: 'the Malware label is not 0 or 1',
    when: { label: () => 'true' },
    detail: (v) => `'the label must be 0 or 1, not "' || ${v} || '"'`,
  },
  missing_key: {
    means: 'sha256 is empty',
    when: { key: () => 'true' },
    detail: () => `'sha256 is empty'`,
  },
  bad_date: {
    means: 'a date cannot be parsed',
    when: { date: () => 'true' },
    detail: (v) => `'cannot read "' || ${v} || '" as a date'`,
  },
  label_conflict: {
    means: 'the same sha256 carries different labels (in the input, or against the lake)',
  },
  duplicate: {
    means: 'the same sha256 again with the same label: the first occurrence is kept',
  },
} as const satisfies Record<string, ReasonSpec>;

export type QuarantineReason = keyof typeof REASONS;

const SPECS = REASONS as Record<QuarantineReason, ReasonSpec>;
const NAMES = Object.keys(REASONS) as QuarantineReason[];

/** A reason as a SQL string literal; the type makes a misspelt reason a compile error. */
export const reasonSql = (reason: QuarantineReason): string => literal(reason);

/**
 * SQL naming the reason of a field that failed its kind's fast check: a CASE over the table's conditions for
 * that kind, in table order. Undefined when no reason applies to the kind.
 */
export function reasonOf(kind: ColumnKind, ctx: CheckContext): string | undefined {
  const branches: { when: string; reason: QuarantineReason }[] = [];
  for (const reason of NAMES) {
    const cond = SPECS[reason].when?.[kind]?.(ctx);
    if (cond !== undefined) branches.push({ when: cond, reason });
  }
  if (!branches.length) return undefined;
  if (branches[0]!.when === 'true') return reasonSql(branches[0]!.reason);
  const last = branches.at(-1)!;
  const whens = (last.when === 'true' ? branches.slice(0, -1) : branches).map((b) => `WHEN ${b.when} THEN ${reasonSql(b.reason)}`);
  return `(CASE ${whens.join(' ')} ${last.when === 'true' ? `ELSE ${reasonSql(last.reason)} ` : ''}END)`;
}

/** The detail text of a per-row problem: a CASE over `reason` (SQL) with the value `v` (SQL, VARCHAR). */
export function detailSql(reason: string, v: string): string {
  const whens = NAMES.filter((r) => SPECS[r].detail).map((r) => `WHEN ${reasonSql(r)} THEN ${SPECS[r].detail!(v)}`);
  return `CASE ${reason} ${whens.join(' ')} ELSE ${v} END`;
}

/** The reason of a CSV reader error type (SQL over `errorType`); unknown types are `malformed`. */
export function readerReasonSql(errorType: string): string {
  const whens = NAMES.flatMap((r) => (SPECS[r].reader?.length ? [`WHEN ${errorType} IN (${SPECS[r].reader!.map(literal).join(', ')}) THEN ${reasonSql(r)}`] : []));
  return `CASE ${whens.join(' ')} ELSE ${reasonSql('malformed')} END`;
}

/** Every reason with what it means, in table order (docs, `--help`). */
export const REASON_LIST: readonly { reason: QuarantineReason; means: string }[] = NAMES.map((reason) => ({ reason, means: SPECS[reason].means }));
