// Single-pass validation of one app's raw features straight into a Float32Array row (no intermediate objects).
import { FEATURE_COLUMNS, LABEL_COLUMN, PASSTHROUGH_COLUMNS } from '../kronodroid/schema.ts';
import { ScoringInputError } from './errors.ts';
import { FEATURE_INDEX, N_FEATURES, N_REQUIRED, REQUIRED_MASK } from './features.ts';

/** Largest accepted value: every feature is a count, and above 2^53 a count is no longer exact in JSON. */
export const MAX_FEATURE_VALUE = Number.MAX_SAFE_INTEGER;

/** Keys a feature object may carry besides features: the app id, echoed back. */
const ID_KEY = 'sha256';

/** Keys echoed back unchanged (label, dates, package, family): never model inputs, never required. */
const PASSTHROUGH: ReadonlySet<string> = new Set(PASSTHROUGH_COLUMNS);
/** Passthrough keys holding whole numbers (the rest hold text). */
const INTEGER_PASSTHROUGH: ReadonlySet<string> = new Set([LABEL_COLUMN, 'Year']);

/** A body's passthrough values, as given. */
export type Passthrough = Record<string, string | number | null>;

/** What kind of request a JSON body is: raw features, or an app id to look up in the online store. */
export type AppRequest = { kind: 'features'; sha256?: string } | { kind: 'lookup'; sha256: string };

const SHA256 = /^[0-9a-fA-F]{64}$/;

export function checkSha256(v: unknown): string {
  if (typeof v !== 'string' || !SHA256.test(v)) throw new ScoringInputError('sha256', `expected 64 hex digits, got ${preview(v)}`);
  return v.toLowerCase();
}

/**
 * Rules (documented in src/serve/README.md): the body is a JSON object; every key is a FEATURE_COLUMNS name
 * (or `REBOOT`/`REBOOT_1` for REBOOT_PERMISSION) or `sha256`; every value is a whole number in
 * [0, MAX_FEATURE_VALUE]. All features are required except OPTIONAL_STATIC_COLUMNS (FilesInsideAPK), which
 * may be absent or null and then reaches the model as NaN, which its preprocessing fills with the training mean.
 * PASSTHROUGH_COLUMNS (Malware, Package, MalFamily, dates …) may be given too: checked by passthrough(), echoed
 * back, never scored. A body holding only `sha256` (and passthrough keys) is a lookup.
 */
export class FeatureValidator {
  // seen[j] === stamp marks feature j as given in the current object; bumping the stamp clears it in O(1).
  private readonly seen = new Uint32Array(N_FEATURES);
  private stamp = 0;

  classify(body: unknown): AppRequest {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ScoringInputError('body', `expected a JSON object of feature name → count (or {"sha256": …}), got ${kindOf(body)}`);
    }
    const id = (body as Record<string, unknown>)[ID_KEY];
    if (id === undefined) return { kind: 'features' };
    const sha256 = checkSha256(id);
    for (const k in body) if (k !== ID_KEY && !PASSTHROUGH.has(k)) return { kind: 'features', sha256 };
    return { kind: 'lookup', sha256 };
  }

  /**
   * Writes the object's features into out[offset … offset + N_FEATURES); throws ScoringInputError naming the field
   * (for missing features, `fields` lists them all and the message names `model`, the model that needs them).
   * Returns how many passthrough keys the object has (read them with passthrough() when any).
   */
  fill(body: Record<string, unknown>, out: Float32Array, offset: number, model?: string): number {
    if (++this.stamp === 0xffffffff) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    let required = 0;
    let passthrough = 0;
    for (const key in body) {
      const j = FEATURE_INDEX.get(key);
      if (j === undefined) {
        if (key === ID_KEY) continue;
        if (PASSTHROUGH.has(key)) {
          passthrough++;
          continue;
        }
        throw new ScoringInputError(key, `unknown feature '${clip(key)}'; features are the KronoDroid columns (GET /docs/json lists them)`);
      }
      if (this.seen[j] === stamp) throw new ScoringInputError(key, `feature '${FEATURE_COLUMNS[j]}' is given twice (as '${key}' and another spelling)`);
      this.seen[j] = stamp;
      const v = body[key];
      if (typeof v === 'number' && v >= 0 && v <= MAX_FEATURE_VALUE && Number.isInteger(v)) out[offset + j] = v;
      else if (v === null && REQUIRED_MASK[j] === 0) out[offset + j] = NaN;
      else throw badValue(key, v);
      required += REQUIRED_MASK[j]!;
    }
    if (required !== N_REQUIRED) {
      const missing: string[] = [];
      for (let j = 0; j < N_FEATURES; j++) if (REQUIRED_MASK[j] === 1 && this.seen[j] !== stamp) missing.push(FEATURE_COLUMNS[j]!);
      const more = missing.length > 1 ? ` and ${missing.length - 1} more (${missing.slice(1, 4).join(', ')}${missing.length > 4 ? ', …' : ''})` : '';
      const who = model ? `model ${model} needs every KronoDroid feature to score an app` : 'send every KronoDroid feature';
      throw new ScoringInputError(missing[0]!, `missing required feature '${missing[0]}'${more}; ${who} (0 when the app never used it)`, 400, 'INPUT_INVALID', missing);
    }
    for (let j = 0; j < N_FEATURES; j++) if (REQUIRED_MASK[j] === 0 && this.seen[j] !== stamp) out[offset + j] = NaN;
    return passthrough;
  }

  /** The object's passthrough values (undefined when it has none), checked: the label 0/1, Year a whole number, the rest text; null allowed. */
  passthrough(body: Record<string, unknown>): Passthrough | undefined {
    let out: Passthrough | undefined;
    for (const key in body) {
      if (!PASSTHROUGH.has(key)) continue;
      const v = body[key];
      if (v !== null) {
        if (key === LABEL_COLUMN ? v !== 0 && v !== 1 : INTEGER_PASSTHROUGH.has(key) ? !Number.isSafeInteger(v) : typeof v !== 'string') {
          const want = key === LABEL_COLUMN ? '0 (benign), 1 (malware) or null (unknown)' : INTEGER_PASSTHROUGH.has(key) ? 'a whole number or null' : 'a string or null';
          throw new ScoringInputError(key, `'${key}' is passed through unscored and must be ${want}, got ${preview(v)}`);
        }
      }
      (out ??= {})[key] = v as string | number | null;
    }
    return out;
  }
}

function badValue(key: string, v: unknown): ScoringInputError {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return new ScoringInputError(key, `'${key}' must be a finite count, got ${v}`);
    if (v < 0) return new ScoringInputError(key, `'${key}' is a count and cannot be negative, got ${v}`);
    if (v > MAX_FEATURE_VALUE) return new ScoringInputError(key, `'${key}' is too large (${v} > ${MAX_FEATURE_VALUE})`);
    return new ScoringInputError(key, `'${key}' is a count and must be a whole number, got ${v}`);
  }
  return new ScoringInputError(key, `'${key}' must be a non-negative whole number, got ${preview(v)}`);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function preview(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(clip(v))}`;
  if (v === null || typeof v !== 'object') return String(v);
  return kindOf(v) === 'an array' ? 'an array' : 'an object';
}
