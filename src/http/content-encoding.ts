// A body in a content coding we do not decode (gzip, say) is refused with 415
// (RFC 9110, 15.5.16) rather than parsed as if it were plain and answered
// with a puzzling INVALID_JSON or a CSV of garbage. Checked once, before any
// body is read, for JSON and multipart alike.
import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/** The 415 for a request that sends an encoded body, else undefined. A GET's body is never read, so never refused. */
export function unsupportedEncoding(request: FastifyRequest): AppError | undefined {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity' || request.method === 'GET') return undefined;
  const length = request.headers['content-length'];
  const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody) return undefined;
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 40)} is not supported; send the body uncompressed`);
}
