/**
 * @module Kaggle API v1 access: where the credentials come from (in the order the official client
 * looks) and the dataset download URL. Tokens are never logged; only where they were found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DfpError } from '../core/errors.ts';

export interface KaggleAuth {
  /** Value of the Authorization header. */
  header: string;
  /** Where the credentials came from, for error messages. */
  from: string;
}

const basic = (username: string, key: string) => `Basic ${Buffer.from(`${username}:${key}`).toString('base64')}`;

function parseJsonCreds(text: string): { username: string; key: string } | undefined {
  try {
    const v = JSON.parse(text) as { username?: unknown; key?: unknown };
    return typeof v.username === 'string' && typeof v.key === 'string' && v.username && v.key ? { username: v.username, key: v.key } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * KAGGLE_API_TOKEN (a kaggle.json-style {"username","key"} document → basic auth, anything else → a
 * bearer API token), then KAGGLE_USERNAME + KAGGLE_KEY, then kaggle.json (or an access_token file) in
 * KAGGLE_CONFIG_DIR or ~/.kaggle. None of them: an AUTH error saying where to put one.
 */
export function kaggleAuth(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): KaggleAuth {
  const token = env.KAGGLE_API_TOKEN?.trim();
  if (token) {
    const creds = parseJsonCreds(token);
    return creds ? { header: basic(creds.username, creds.key), from: 'KAGGLE_API_TOKEN' } : { header: `Bearer ${token}`, from: 'KAGGLE_API_TOKEN' };
  }
  if (env.KAGGLE_USERNAME && env.KAGGLE_KEY) return { header: basic(env.KAGGLE_USERNAME, env.KAGGLE_KEY), from: 'KAGGLE_USERNAME/KAGGLE_KEY' };
  const dir = env.KAGGLE_CONFIG_DIR || join(home, '.kaggle');
  const file = join(dir, 'kaggle.json');
  if (existsSync(file)) {
    const creds = parseJsonCreds(readFileSync(file, 'utf8'));
    if (!creds) throw new DfpError('AUTH', `${file} is not a Kaggle credentials file: expected {"username": "…", "key": "…"}`, { file });
    return { header: basic(creds.username, creds.key), from: file };
  }
  const accessToken = join(dir, 'access_token');
  if (existsSync(accessToken)) {
    const t = readFileSync(accessToken, 'utf8').trim();
    if (t) return { header: `Bearer ${t}`, from: accessToken };
  }
  throw new DfpError(
    'AUTH',
    `no Kaggle credentials: create an API token at https://www.kaggle.com/settings (API → Create New Token) and save the downloaded kaggle.json as ${file}`
      + ' (chmod 600), or set KAGGLE_API_TOKEN (the token, or the kaggle.json content), or KAGGLE_USERNAME and KAGGLE_KEY',
    { expected: file },
  );
}

/** `owner/dataset` from `kaggle:owner/dataset`, validated. */
export function kaggleDataset(spec: string): { owner: string; dataset: string } {
  const m = /^kaggle:([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/.exec(spec.trim());
  if (!m) throw new DfpError('USAGE', `'${spec}' is not a Kaggle dataset; write kaggle:<owner>/<dataset>, e.g. kaggle:someone/kronodroid`, { source: spec });
  return { owner: m[1]!, dataset: m[2]! };
}

export function kaggleDownloadUrl(api: string, owner: string, dataset: string): string {
  return `${api.replace(/\/+$/, '')}/datasets/download/${encodeURIComponent(owner)}/${encodeURIComponent(dataset)}`;
}
