/** The contract's error codes and the HTTP status each one answers with. */
export const ERROR_STATUS = {
  validation_failed: 400,
  missing_signature: 400,
  invalid_signature: 400,
  invalid_payload: 400,
  signing_secret_required: 400,
  unauthenticated: 401,
  csrf_failed: 403,
  forbidden: 403,
  integration_disabled: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  field: string;
  message: string;
}

/**
 * A domain error with a contract code. Modules throw it (or a subclass); the global filter maps
 * it to the status and the contract's error shape at the edge.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    /** Seconds for a retry-after header (429, 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what = 'resource'): AppError => new AppError('not_found', `${what} not found`);

export const validationFailed = (field: string, message: string): AppError =>
  new AppError('validation_failed', message, [{ field, message }]);

/**
 * Postgres' codes for a value it cannot store — an invalid or NUL byte, an unencodable character,
 * a number out of any range, text that is not valid input for its type, nesting too deep. Caused
 * by the input itself, so no retry can fix it: the client's error, never a 5xx.
 */
export const UNSTORABLE_VALUE_PG_CODES: ReadonlySet<string> = new Set([
  '22021', // character_not_in_repertoire
  '22P05', // untranslatable_character
  '22003', // numeric_value_out_of_range
  '22P02', // invalid_text_representation
  '54001', // statement_too_complex (stack depth)
]);
