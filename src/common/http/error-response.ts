import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '../errors';

/**
 * Writes the contract's error shape. Used by the global filter, by middleware that runs before
 * Nest, and by the Stripe fast path (plain node:http objects, hence no Express helpers here).
 */
export function sendError(req: IncomingMessage, res: ServerResponse, err: AppError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const requestId =
    (req as IncomingMessage & { id?: string }).id ?? String(res.getHeader('x-request-id') ?? '');
  if (err.retryAfterSeconds !== undefined)
    res.setHeader('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
  res.statusCode = err.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(
    JSON.stringify({
      error: {
        code: err.code,
        message: err.message,
        ...(err.details ? { details: err.details } : {}),
        request_id: requestId,
      },
    }),
  );
}

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export function codeForStatus(status: number): ErrorCode {
  return BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
}
