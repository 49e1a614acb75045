import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/**
 * The service's own Redis client (counters, semaphores). It fails fast while Redis is away
 * instead of queueing commands, so a request answers 503 rather than hanging.
 */
export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
