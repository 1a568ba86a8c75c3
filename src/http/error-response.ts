// The one error envelope, and the mapping from everything that can go wrong
// in a request (our AppErrors, schema validation, fastify's own body errors)
// to it. Anything unexpected is a 500 with a generic message, logged with the
// request id; no stack or SQL ever reaches a client.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError, type FieldError } from '../domain/errors.js';
import { fieldErrors } from './validation.js';
import { QueryTimeoutError, StoreUnavailableError } from '../domain/store.js';

const JSON_TYPE = 'application/json; charset=utf-8';

function malformedRequest(): AppError {
  return validationError([{ field: '', message: 'The request is malformed' }]);
}

const FASTIFY_ERRORS: Record<string, () => AppError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new AppError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MiB'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('INVALID_JSON', 'The body is empty; send a JSON object'),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('INVALID_JSON', 'The body is not valid JSON'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () =>
    validationError([{ field: 'Content-Length', message: 'Does not match the body' }]),
};

function toAppError(error: FastifyError): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof StoreUnavailableError) {
    return new AppError('SERVICE_UNAVAILABLE', 'The database is unavailable; try again shortly');
  }
  if (error instanceof QueryTimeoutError) {
    return new AppError(
      'SERVICE_UNAVAILABLE',
      `The search took longer than ${error.timeoutMs} ms and was stopped; narrow it (a longer search term, or more filters)`,
    );
  }
  if (error.validation) {
    const part = error.validationContext ?? 'body';
    const { listed, total } = fieldErrors(error.validation as never, part);
    return validationError(listed, total);
  }
  const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
  if (known) return known();
  const status = error.statusCode ?? 500;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type');
  if (status >= 400 && status < 500) return malformedRequest();
  return undefined;
}

function errorBody(error: AppError, requestId: string): string {
  const body: Record<string, unknown> = {
    code: error.code,
    message: error.message,
    statusCode: error.statusCode,
    requestId,
  };
  if (error.errors) body.errors = error.errors satisfies FieldError[];
  return JSON.stringify({ error: body });
}

/** Sends an already-serialised JSON body. */
export function sendJson(reply: FastifyReply, status: number, json: string): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(json);
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  // Set here as well as in the onRequest hook: errors the router answers
  // before any route (a malformed URL, say) skip the hooks.
  reply.header('X-Request-ID', reply.request.id);
  // Every 503 and 429 says when to come back; those that know better set it first.
  if ((error.statusCode === 503 || error.statusCode === 429) && !reply.hasHeader('Retry-After')) {
    reply.header('Retry-After', error.statusCode === 429 ? '5' : '1');
  }
  return reply.code(error.statusCode).type(JSON_TYPE).send(errorBody(error, reply.request.id));
}

export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toAppError(error);
  if (known) return sendError(reply, known);
  request.log.error({ err: error }, 'request failed');
  return sendError(reply, new AppError('INTERNAL_SERVER_ERROR', 'Internal server error'));
}

/**
 * Requests node's HTTP parser refuses (not HTTP at all, a header line without
 * a colon, a Content-Length that does not add up, headers over 16 KiB) never
 * reach fastify. They still get the envelope and an X-Request-ID; the
 * connection is then closed, since where a next request would begin is unknown.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, log: FastifyBaseLogger): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const answer =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new AppError('HEADERS_TOO_LARGE', 'The request line and headers are larger than 16 KiB')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new AppError('REQUEST_TIMEOUT', 'The request did not arrive in time')
        : malformedRequest();
  const requestId = randomUUID();
  log.info({ requestId, statusCode: answer.statusCode, reason: error.code }, 'malformed request');
  if (socket.writable) {
    const body = errorBody(answer, requestId);
    socket.write(
      `HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode]}\r\nContent-Type: ${JSON_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
