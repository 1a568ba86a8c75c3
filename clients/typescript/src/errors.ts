// The one error the client throws for an answer that is not 2xx: the API's
// error envelope, as fields.
import type { ErrorBody, ErrorEnvelope } from './types.js';

/** The code given to an answer that did not carry the API's envelope (a proxy's page, say). */
export const UNEXPECTED_RESPONSE = 'UNEXPECTED_RESPONSE';

export class RolodexError extends Error {
  override readonly name = 'RolodexError';
  readonly code: ErrorBody['code'] | typeof UNEXPECTED_RESPONSE;
  readonly statusCode: number;
  /** The server's request id (from the envelope, else the X-Request-ID header): quote it when asking for help. */
  readonly requestId: string | undefined;
  /** One entry per invalid field or parameter; empty when the error is not about input. */
  readonly errors: NonNullable<ErrorBody['errors']>;
  /** The whole envelope as received, or undefined when the body was not one. */
  readonly envelope: ErrorEnvelope | undefined;

  constructor(statusCode: number, envelope: ErrorEnvelope | undefined, requestId?: string, message?: string) {
    super(envelope?.error.message ?? message ?? `HTTP ${statusCode}`);
    this.code = envelope?.error.code ?? UNEXPECTED_RESPONSE;
    this.statusCode = envelope?.error.statusCode ?? statusCode;
    this.requestId = envelope?.error.requestId ?? requestId;
    this.errors = envelope?.error.errors ?? [];
    this.envelope = envelope;
  }

  /** The error for a failed response whose body openapi-fetch has already read (`error`). */
  static fromResponse(response: Response, body: unknown): RolodexError {
    const envelope = isEnvelope(body) ? body : undefined;
    const requestId = response.headers.get('x-request-id') ?? undefined;
    const text = typeof body === 'string' && body.length > 0 ? body.slice(0, 200) : undefined;
    return new RolodexError(response.status, envelope, requestId, text ?? `HTTP ${response.status} ${response.statusText}`.trim());
  }
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
