// The scoring API's client errors: DfpErrors that carry the HTTP status and, for bad input, the field to fix.
import { DfpError, type ErrorCode } from '../errors.ts';

/**
 * A request the client must change; `field` names the JSON key (or `body`, `[3].read` in a batch), `fields` every
 * key at fault when there are several (missing features).
 */
export class ScoringInputError extends DfpError {
  constructor(
    readonly field: string,
    message: string,
    readonly status = 400,
    code: ErrorCode = 'INPUT_INVALID',
    readonly fields?: string[],
  ) {
    super(code, message, { field, ...(fields ? { fields } : {}) });
    this.name = 'ScoringInputError';
  }

  /** The same error for item `i` of a batch. */
  at(i: number): ScoringInputError {
    const name = (f: string) => (f === 'body' ? `[${i}]` : `[${i}].${f}`);
    return new ScoringInputError(name(this.field), `item ${i}: ${this.message}`, this.status, this.code, this.fields?.map(name));
  }
}
