import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Request } from 'express';
import { Observable } from 'rxjs';
import { AppError, ErrorDetail } from '../errors';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [rule, message] of Object.entries(e.constraints ?? {})) {
      out.push({ field, message: rule === 'whitelistValidation' ? `${field} is not allowed` : message });
    }
    if (e.children?.length) out.push(...flatten(e.children, field));
  }
  return out;
}

/** The global pipe: unknown fields rejected, never dropped; errors in the contract's shape. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new AppError('validation_failed', details[0]?.message ?? 'request validation failed', details);
    },
  });
}

function has(context: ExecutionContext, type: RouteParamtypes): boolean {
  const args: Record<string, unknown> =
    Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), context.getHandler().name) ?? {};
  return Object.keys(args).some((k) => k.split(':')[0] === String(type));
}

/**
 * A route that declares no query DTO or body still refuses unknown query parameters and body
 * fields, so a typo never passes silently.
 */
@Injectable()
export class RejectUndeclaredInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const query = Object.keys(req.query ?? {});
      if (query.length && !has(context, RouteParamtypes.QUERY)) {
        throw new AppError(
          'validation_failed',
          `${query[0]} is not allowed`,
          query.map((field) => ({ field, message: `${field} is not allowed` })),
        );
      }
      const body =
        req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? Object.keys(req.body) : [];
      if (body.length && !has(context, RouteParamtypes.BODY)) {
        throw new AppError(
          'validation_failed',
          `${body[0]} is not allowed`,
          body.map((field) => ({ field, message: `${field} is not allowed` })),
        );
      }
    }
    return next.handle();
  }
}
