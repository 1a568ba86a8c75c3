// The one error vocabulary of the service: every failure a client can see is an
// AppError with a code from this list, and the HTTP layer renders it as is.

export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  INVALID_JSON: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  INVALID_API_KEY: 401,
  SECRET_KEY_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  CURSOR_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMIT_EXCEEDED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = ERROR_STATUS[code];
  }
}

/**
 * A 400 listing each invalid field; the message joins them as `field: message`.
 * When only the first of more errors are listed, `total` says how many there
 * were and the message says so.
 */
export function validationError(errors: FieldError[], total = errors.length): AppError {
  let message = errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ');
  if (total > errors.length) message += ` (and ${total - errors.length} more; only the first ${errors.length} are listed)`;
  return new AppError('VALIDATION_ERROR', message, errors);
}

export function invalidField(field: string, message: string): AppError {
  return validationError([{ field, message }]);
}

export function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', `${what} not found`);
}
