import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppError } from '../errors';
import { REDIS } from './redis';

const HIT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`;

export interface WindowState {
  count: number;
  retryAfterSeconds: number;
}

/** Fixed-window counters in Redis, so limits hold across processes. */
@Injectable()
export class RateLimiter {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async hit(key: string, windowMs: number): Promise<WindowState> {
    const [count, ttl] = (await this.redis.eval(HIT, 1, `rl:${key}`, String(windowMs))) as [number, number];
    return { count, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  async peek(key: string): Promise<WindowState> {
    const [count, ttl] = await Promise.all([this.redis.get(`rl:${key}`), this.redis.pttl(`rl:${key}`)]);
    return { count: Number(count ?? 0), retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  /** Counts one hit and throws 429 once `limit` is passed in the window. */
  async consume(key: string, limit: number, windowMs: number, message = 'too many requests'): Promise<void> {
    const state = await this.hit(key, windowMs);
    if (state.count > limit) throw new AppError('rate_limited', message, undefined, state.retryAfterSeconds);
  }
}
