import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SecretBox } from './crypto/secret-box';
import { EventTypeRegistry } from './event-types.registry';
import { MetricsService } from './metrics/metrics.service';
import { CursorCodec } from './pagination';
import { RateLimiter } from './redis/rate-limiter.service';
import { REDIS, createRedisClient } from './redis/redis';
import { createHash } from 'node:crypto';

class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** The shared infrastructure every feature module may use. Imports no feature module. */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new SecretBox(c.secretsKey) },
    {
      provide: CursorCodec,
      inject: [APP_CONFIG],
      // A key derived for cursors only, so the secrets key itself signs nothing public.
      useFactory: (c: AppConfig) =>
        new CursorCodec(createHash('sha256').update('cursor-key').update(c.secretsKey).digest()),
    },
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createRedisClient(c.redisUrl) },
    RedisShutdown,
    RateLimiter,
    MetricsService,
    EventTypeRegistry,
  ],
  exports: [SecretBox, CursorCodec, REDIS, RateLimiter, MetricsService, EventTypeRegistry],
})
export class CommonModule {}
