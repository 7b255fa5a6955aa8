/**
 * @module An app's id everywhere in dfp: the sha256 of its APK, 64 hexadecimal digits, stored in lower case
 * (ingest lower-cases it). Checked where a person or a client types one, so a typo is an error naming the
 * field instead of an app that silently "does not exist".
 */

const SHA256 = /^[0-9a-f]{64}$/i;

/** Why `value` is not an app id, or undefined when it is one. */
export function appIdProblem(value: string): string | undefined {
  if (SHA256.test(value)) return undefined;
  const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
  const what = /^[0-9a-f]*$/i.test(value) ? `${value.length} hex digits` : 'characters other than hex digits';
  return `'${shown}' is not an app id: expected its sha256, 64 hex digits (got ${value === '' ? 'nothing' : what})`;
}

/** The id in the lake's spelling (lower case); call after appIdProblem returned undefined. */
export function normalizeAppId(value: string): string {
  return value.toLowerCase();
}
