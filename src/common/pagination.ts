import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AppError } from './errors';

export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  // Digits only: `1e1`, ` 1` or `0x10` are not numbers a client meant, so they are refused, not read.
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'limit must be an integer from 1 to 100' })
  @Min(1, { message: 'limit must be an integer from 1 to 100' })
  @Max(100, { message: 'limit must be an integer from 1 to 100' })
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page’s next_cursor' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

interface CursorPosition {
  at: string; // ISO time of the order key
  id: string;
}

/**
 * Cursors are opaque and signed, so a cursor we did not issue (or one from another list) is a
 * 400, never a query on attacker-chosen values.
 */
export class CursorCodec {
  constructor(private readonly key: Buffer) {}

  private mac(scope: string, body: string): Buffer {
    return createHmac('sha256', this.key).update(`cursor:${scope}:${body}`).digest().subarray(0, 12);
  }

  encode(scope: string, pos: CursorPosition): string {
    const body = Buffer.from(JSON.stringify([pos.at, pos.id])).toString('base64url');
    return `${body}.${this.mac(scope, body).toString('base64url')}`;
  }

  decode(scope: string, cursor: string): CursorPosition {
    const invalid = new AppError('validation_failed', 'cursor is not valid', [
      { field: 'cursor', message: 'cursor is not valid' },
    ]);
    const [body, sig] = cursor.split('.');
    if (!body || !sig) throw invalid;
    const given = Buffer.from(sig, 'base64url');
    const want = this.mac(scope, body);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw invalid;
    try {
      const [at, id] = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as [string, string];
      if (typeof at !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(at))) throw invalid;
      return { at, id };
    } catch {
      throw invalid;
    }
  }
}

/**
 * Keyset pagination, newest first, on a stable unique key `(orderColumn, id)`. The query builder
 * carries the caller's filters (workspace first); this adds order, cursor and limit.
 */
export async function paginate<E extends ObjectLiteral>(
  qb: SelectQueryBuilder<E>,
  opts: {
    codec: CursorCodec;
    scope: string;
    query: ListQueryDto;
    orderColumn: string; // e.g. 'e.created_at'
    idColumn: string; // e.g. 'e.id'
    orderValue: (row: E) => Date;
    idValue: (row: E) => string;
  },
): Promise<{ rows: E[]; has_more: boolean; next_cursor: string | null }> {
  const limit = opts.query.limit ?? 20;
  if (opts.query.cursor !== undefined) {
    const pos = opts.codec.decode(opts.scope, opts.query.cursor);
    qb.andWhere(`(${opts.orderColumn}, ${opts.idColumn}) < (:cursorAt, :cursorId)`, {
      cursorAt: pos.at,
      cursorId: pos.id,
    });
  }
  const rows = await qb
    .orderBy(opts.orderColumn, 'DESC')
    .addOrderBy(opts.idColumn, 'DESC')
    .take(undefined)
    .limit(limit + 1)
    .getMany();
  const has_more = rows.length > limit;
  const page = has_more ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    rows: page,
    has_more,
    next_cursor:
      has_more && last
        ? opts.codec.encode(opts.scope, { at: opts.orderValue(last).toISOString(), id: opts.idValue(last) })
        : null,
  };
}
