// A body in a content coding we do not decode (gzip, say) is refused with 415
// (RFC 9110, 15.5.16) rather than parsed as if it were plain and answered
// with a puzzling INVALID_JSON or a CSV of garbage.
import type { IncomingHttpHeaders } from 'node:http';
import { AppError } from '../domain/errors.js';

export function unsupportedEncoding(headers: IncomingHttpHeaders): AppError | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return undefined;
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 40)} is not supported; send the body uncompressed`);
}
