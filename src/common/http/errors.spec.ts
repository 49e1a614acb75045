import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { AppError, ERROR_STATUS } from '../errors';
import { toAppError } from './all-exceptions.filter';
import { isTransientInfraError } from './infra-errors';

describe('toAppError', () => {
  it('keeps AppErrors as they are', () => {
    const e = new AppError('conflict', 'taken');
    expect(toAppError(e)).toBe(e);
  });

  it('maps Nest HTTP exceptions to contract codes', () => {
    expect(toAppError(new NotFoundException('Cannot GET /x'))).toMatchObject({
      code: 'not_found',
      message: 'route not found',
    });
    expect(toAppError(new PayloadTooLargeException()).code).toBe('payload_too_large');
    expect(toAppError(new BadRequestException()).code).toBe('validation_failed');
  });

  it('turns Postgres and Redis outages into 503 with retry-after', () => {
    for (const e of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      { name: 'QueryFailedError', message: 'x', driverError: { code: '57P01' } },
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      Object.assign(new Error('wrapped'), { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
    ]) {
      const out = toAppError(e);
      expect(out.code).toBe('service_unavailable');
      expect(out.status).toBe(503);
      expect(out.retryAfterSeconds).toBeGreaterThan(0);
    }
  });

  it('hides everything else behind 500 internal, with no message of its own', () => {
    const out = toAppError(new Error('relation "users" does not exist: SELECT * FROM users'));
    expect(out).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(isTransientInfraError({ code: '23505' })).toBe(false);
    expect(isTransientInfraError(null)).toBe(false);
  });

  it('gives every code a status', () => {
    expect(ERROR_STATUS.service_unavailable).toBe(503);
    expect(ERROR_STATUS.csrf_failed).toBe(403);
    expect(new AppError('rate_limited', 'x').status).toBe(429);
  });
});
