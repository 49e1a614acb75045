import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, UNSTORABLE_VALUE_PG_CODES } from '../errors';
import { codeForStatus, sendError } from './error-response';
import { isTransientInfraError } from './infra-errors';

export function toAppError(exception: unknown): AppError {
  if (exception instanceof AppError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = codeForStatus(status);
    if (code === 'internal') return new AppError('internal', 'internal error');
    const message =
      code === 'not_found'
        ? 'route not found'
        : typeof exception.getResponse() === 'string'
          ? String(exception.getResponse())
          : exception.message;
    return new AppError(code, message);
  }
  // Input Postgres cannot take (a NUL, an unencodable or absurdly nested value) that slipped past
  // validation is the client's, not a fault of ours.
  const pgCode =
    (exception as { driverError?: { code?: string }; code?: string })?.driverError?.code ??
    (exception as { code?: string })?.code;
  if (pgCode !== undefined && UNSTORABLE_VALUE_PG_CODES.has(pgCode)) {
    return new AppError('validation_failed', 'the request holds a value that cannot be stored');
  }
  if (exception instanceof RangeError && /call stack/i.test(exception.message)) {
    return new AppError('validation_failed', 'the request is nested too deeply');
  }
  if (isTransientInfraError(exception)) {
    return new AppError('service_unavailable', 'a backing service is unavailable; retry later', undefined, 5);
  }
  return new AppError('internal', 'internal error');
}

/** The one place exceptions become HTTP: the contract's shape, no stack and no SQL in a body. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const err = toAppError(exception);
    if (err.code === 'internal') {
      this.logger.error(
        { err: exception, requestId: (req as Request & { id?: string }).id },
        'unhandled error',
      );
    } else if (err.code === 'service_unavailable') {
      const e = exception as { message?: string; code?: string };
      this.logger.warn(
        { requestId: (req as Request & { id?: string }).id, reason: e?.code ?? e?.message },
        'backing service unavailable',
      );
    }
    sendError(req, res, err);
  }
}
