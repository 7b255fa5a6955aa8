// The admin key check for dashboard writes (promote): the same key and rules as dfp serve's /v1/admin/* (serve.api_key).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DfpError } from '../../core/errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

function presented(req: FastifyRequest): string | undefined {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string' && h !== '') return h;
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization?.trim() ?? '');
  return m?.[1];
}

/** Throws AUTH (403 when no key is configured, 401 when missing or wrong). */
export function requireAdmin(req: FastifyRequest, apiKey: string | undefined): void {
  if (!apiKey) throw new DfpError('AUTH', 'promotion is disabled: no API key is configured; set serve.api_key (or DFP_SERVE__API_KEY) and restart', { status: 403 });
  const key = presented(req);
  if (key === undefined) throw new DfpError('AUTH', 'an API key is required to promote a model', { status: 401 });
  // Digests compared in constant time: the check leaks neither the key's length nor a prefix.
  if (!timingSafeEqual(digest(key), digest(apiKey))) throw new DfpError('AUTH', 'wrong API key', { status: 401 });
}
