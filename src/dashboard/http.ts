// Error replies and query parsing shared by the dashboard's API routes: every failure becomes {error:{code,message}}.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DfpError, type ErrorCode, isDfpError, messageOf } from '../core/errors.ts';

const STATUS: Record<ErrorCode, number> = {
  USAGE: 400,
  CONFIG_INVALID: 400,
  INPUT_INVALID: 400,
  SCHEMA_MISMATCH: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  NETWORK: 502,
  AUTH: 401,
  STORAGE: 500,
  CORRUPT: 500,
  INTERRUPTED: 503,
  INTERNAL: 500,
};

/** Status for an error: a DfpError's own (AUTH may carry 403 in details.status), Fastify's for its own errors. */
export function statusOf(e: unknown): number {
  if (isDfpError(e)) return typeof e.details?.status === 'number' ? e.details.status : STATUS[e.code];
  const s = (e as FastifyError).statusCode;
  return typeof s === 'number' && s >= 400 ? s : 500;
}

export function errorHandler(e: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const status = statusOf(e);
  const code = isDfpError(e) ? e.code : status === 404 ? 'NOT_FOUND' : status < 500 ? 'INPUT_INVALID' : 'INTERNAL';
  if (status >= 500) req.log.error({ err: e }, 'ui api error');
  void reply.status(status).send({ error: { code, message: messageOf(e) } });
}

export function str(q: unknown, key: string): string | undefined {
  const v = (q as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A whole number in [min, max] from the query string, or the default. */
export function int(q: unknown, key: string, def: number, min: number, max: number): number {
  const raw = str(q, key);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new DfpError('USAGE', `${key} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return n;
}

export function required(q: unknown, key: string): string {
  const v = str(q, key);
  if (v === undefined) throw new DfpError('USAGE', `missing '${key}'`);
  return v;
}
