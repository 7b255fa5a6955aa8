// Micro-benchmark: the hand-rolled single-pass FeatureValidator vs an ajv-compiled JSON schema (+ copy into the row).
import AjvModule from 'ajv';
import { FEATURE_COLUMNS } from '../../src/core/kronodroid/schema.ts';
import { N_FEATURES } from '../../src/core/scoring/features.ts';
import { FeatureValidator } from '../../src/core/scoring/validate.ts';

export function compareValidators(body: Record<string, unknown>, iterations = 200_000): { handRolledNs: number; ajvNs: number } {
  const schema = {
    type: 'object',
    properties: Object.fromEntries(FEATURE_COLUMNS.map((c) => [c, c === 'FilesInsideAPK' ? { type: ['integer', 'null'], minimum: 0 } : { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }])),
    required: FEATURE_COLUMNS.filter((c) => c !== 'FilesInsideAPK'),
    additionalProperties: false,
  };
  // ajv is CommonJS with a default export; under NodeNext the class sits on .default.
  const Ajv = (AjvModule as unknown as { default: typeof AjvModule }).default ?? AjvModule;
  const check = new Ajv({ allErrors: false }).compile(schema);
  const row = new Float32Array(N_FEATURES);
  const v = new FeatureValidator();
  const viaAjv = (b: Record<string, unknown>) => {
    if (!check(b)) throw new Error('invalid');
    // ajv only says yes or no; the row still has to be written in FEATURE_COLUMNS order.
    for (let j = 0; j < N_FEATURES; j++) row[j] = (b[FEATURE_COLUMNS[j]!] as number | null) ?? NaN;
  };
  const time = (fn: () => void) => {
    for (let i = 0; i < iterations / 10; i++) fn();
    const t = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    return Number(process.hrtime.bigint() - t) / iterations;
  };
  return { handRolledNs: time(() => v.fill(body, row, 0)), ajvNs: time(() => viaAjv(body)) };
}
