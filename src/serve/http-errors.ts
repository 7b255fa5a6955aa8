// Maps every error to a JSON reply {"error": {code, message, field?}}: client mistakes get 4xx, only bugs get 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isDfpError, messageOf } from '../core/errors.ts';
import { ScoringInputError } from '../core/scoring/errors.ts';

interface Mapped {
  status: number;
  code: string;
  message: string;
  field?: string;
  fields?: string[];
}

/** Fastify's own client errors (parsing, limits, media types) by code. */
const FASTIFY: Record<string, { status: number; code: string; field?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', field: 'content-type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INPUT_INVALID', field: 'content-length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INPUT_INVALID', field: 'body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INPUT_INVALID', field: 'body' },
};

export function mapError(err: unknown): Mapped {
  if (err instanceof ScoringInputError) return { status: err.status, code: err.code, message: err.message, field: err.field, ...(err.fields ? { fields: err.fields } : {}) };
  if (isDfpError(err)) {
    if (err.details?.status === 503) return { status: 503, code: 'NOT_READY', message: err.message };
    const status = err.code === 'NOT_FOUND' ? 404 : err.code === 'USAGE' || err.code === 'INPUT_INVALID' || err.code === 'SCHEMA_MISMATCH' ? 400 : err.code === 'AUTH' ? 401 : err.code === 'CONFLICT' ? 409 : err.code === 'NETWORK' ? 503 : 500;
    return { status, code: err.code, message: err.message };
  }
  const fe = err as Partial<FastifyError>;
  const known = fe.code ? FASTIFY[fe.code] : undefined;
  if (known) return { status: known.status, code: known.code, message: messageOf(err), ...(known.field ? { field: known.field } : {}) };
  if (err instanceof SyntaxError) return { status: 400, code: 'INPUT_INVALID', message: `body is not valid JSON: ${err.message}`, field: 'body' };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) return { status: fe.statusCode, code: fe.code ?? 'BAD_REQUEST', message: messageOf(err) };
  return { status: 500, code: 'INTERNAL', message: 'internal error; see the server log' };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const m = mapError(err);
  if (m.status >= 500 && m.code === 'INTERNAL') req.log.error({ err }, 'request failed');
  return reply.code(m.status).send({ error: { code: m.code, message: m.message, ...(m.field !== undefined ? { field: m.field } : {}), ...(m.fields ? { fields: m.fields } : {}) } });
}
