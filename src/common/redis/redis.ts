import { Logger } from '@nestjs/common';
import Redis from 'ioredis';

export const REDIS = Symbol('REDIS');

/**
 * The service's own Redis client (counters, semaphores). It fails fast while Redis is away
 * instead of queueing commands, so a request answers 503 rather than hanging.
 */
export function createRedisClient(url: string): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // Without a listener ioredis prints "Unhandled error event" on every reconnect attempt: say it once per outage.
  const logger = new Logger('Redis');
  let down = false;
  client.on('error', (e: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn(`redis unavailable: ${e.code ?? e.message}`);
  });
  client.on('ready', () => {
    if (down) logger.log('redis available again');
    down = false;
  });
  return client;
}
