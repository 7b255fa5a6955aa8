// API-key check for /v1/admin/*: 403 when no key is configured (admin disabled), 401 for a missing or wrong key.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ScoringInputError } from '../core/scoring/errors.ts';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** The key sent as `x-api-key: K` or `Authorization: Bearer K`. */
function presented(req: FastifyRequest): string | undefined {
  const h = req.headers['x-api-key'];
  if (typeof h === 'string' && h !== '') return h;
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? /^Bearer\s+(.+)$/i.exec(auth.trim()) : null;
  return m ? m[1] : undefined;
}

export function adminGuard(apiKey: string | undefined) {
  const want = apiKey && apiKey !== '' ? digest(apiKey) : undefined;
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!want) {
      throw new ScoringInputError('x-api-key', 'admin endpoints are disabled: no API key is configured; set serve.api_key (or DFP_SERVE__API_KEY) and restart dfp serve', 403, 'AUTH');
    }
    const key = presented(req);
    if (key === undefined) throw new ScoringInputError('x-api-key', 'missing API key: send it as `x-api-key: <key>` or `Authorization: Bearer <key>`', 401, 'AUTH');
    // Compare digests in constant time, so the check does not leak the key's length or prefix.
    if (!timingSafeEqual(digest(key), want)) throw new ScoringInputError('x-api-key', 'wrong API key', 401, 'AUTH');
  };
}
