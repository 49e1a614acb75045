import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { Public } from '../auth/auth-context';
import { REDIS } from '../common/redis/redis';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicator: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  private async redisCheck() {
    const i = this.indicator.check('redis');
    try {
      const pong = await Promise.race([
        this.redis.ping(),
        new Promise<never>((_, r) => setTimeout(() => r(new Error('timeout')), 1000).unref()),
      ]);
      return pong === 'PONG' ? i.up() : i.down({ message: 'unexpected reply' });
    } catch (e) {
      return i.down({ message: (e as Error).message });
    }
  }

  /** Postgres and Redis; 503 with the terminus report when either is down. */
  @Public()
  @Get()
  async check(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.health.check([
        () => this.db.pingCheck('database', { timeout: 1500 }),
        () => this.redisCheck(),
      ]);
    } catch (e) {
      res.status(503).setHeader('retry-after', '5');
      return (e as { getResponse?: () => unknown }).getResponse?.() ?? { status: 'error' };
    }
  }
}
