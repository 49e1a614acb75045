import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../common/redis/redis';

/**
 * Bull 4 has no per-group concurrency, so each endpoint gets a counting semaphore in Redis: a
 * sorted set of lease tokens scored by their expiry. Expired leases (a worker that died holding
 * one) are dropped on every acquire, so a slot is never lost for longer than a lease.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`;

type SemaphoreRedis = Redis & {
  mkSemaphoreAcquire(
    key: string,
    now: string,
    expires: string,
    token: string,
    limit: string,
    ttl: string,
  ): Promise<number>;
};

@Injectable()
export class EndpointSemaphore {
  private readonly redis: SemaphoreRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    // A defined command runs by EVALSHA: the script is sent once, not with every attempt.
    if (!('mkSemaphoreAcquire' in redis))
      redis.defineCommand('mkSemaphoreAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    this.redis = redis as SemaphoreRedis;
  }

  private key(endpointId: string): string {
    return `mk:delivery:sem:${endpointId}`;
  }

  async tryAcquire(endpointId: string, token: string, limit: number, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    const got = await this.redis.mkSemaphoreAcquire(
      this.key(endpointId),
      String(now),
      String(now + leaseMs),
      token,
      String(limit),
      String(leaseMs * 2),
    );
    return got === 1;
  }

  async release(endpointId: string, token: string): Promise<void> {
    await this.redis.zrem(this.key(endpointId), token);
  }
}
