import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { Pool } from 'pg';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { redisUrlForWorker } from './env';
import { cloneTestDatabase, testPool } from './test-db';

/** One key for the whole run, so apps started by one file can read each other's secrets. */
const SECRETS_KEY = randomBytes(32).toString('base64');

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Direct SQL on this file's database, for arranging and asserting state. */
  db: Pool;
  redis: Redis;
  /** With `captureLogs`: each JSON line the service wrote, parsed. */
  logs: Array<Record<string, unknown> & { level: number; msg?: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Keep every line the service logs (request logs included) in `logs`, at LOG_LEVEL (default debug). */
  captureLogs?: boolean;
  /** Replace providers, e.g. the DNS resolver. */
  overrides?: Array<{
    provide: string | symbol | (abstract new (...args: never[]) => unknown);
    useValue: unknown;
  }>;
  /** Reuse a database made by an earlier createTestApp (a second process of the same deployment). */
  database?: { url: string };
}

export const baseTestEnv = (databaseUrl: string): Record<string, string> => ({
  NODE_ENV: 'test',
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrlForWorker(),
  SECRETS_KEY,
  PORT: '0',
  HOST: '127.0.0.1',
  AUTH_SIGNUP_LIMIT_PER_HOUR: '0',
  WEBHOOK_ALLOW_HTTP_URLS: 'true',
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
});

/**
 * The whole app over real HTTP on 127.0.0.1, on this file's own database (cloned from the
 * migrated template) and this worker's own Redis database.
 */
export async function createTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const owned = opts.database ? null : await cloneTestDatabase();
  const databaseUrl = opts.database?.url ?? owned!.url;
  const logs: TestApp['logs'] = [];
  const config = loadConfig({
    ...baseTestEnv(databaseUrl),
    ...(opts.captureLogs ? { LOG_LEVEL: 'debug' } : {}),
    ...opts.env,
  });
  const logStream = opts.captureLogs
    ? {
        write: (chunk: string) =>
          void logs.push(
            ...chunk
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l)),
          ),
      }
    : undefined;
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config, { logStream })] });
  for (const o of opts.overrides ?? [])
    builder = builder.overrideProvider(o.provide as never).useValue(o.useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  // As main.ts does: Nest's own Logger calls go through pino too.
  if (opts.captureLogs) app.useLogger(app.get(PinoLogger));
  configureApp(app, config);
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const addr = app.getHttpServer().address() as { port: number };
  const db = testPool(databaseUrl);
  const redis = new Redis(config.redisUrl);
  redis.on('error', () => undefined); // outage tests cut it on purpose
  return {
    app,
    config,
    url: `http://127.0.0.1:${addr.port}`,
    db,
    redis,
    logs,
    async close() {
      await app.close();
      await db.end();
      redis.disconnect();
      if (owned) await owned.drop();
    },
  };
}

export async function flushRedis(): Promise<void> {
  const r = new Redis(redisUrlForWorker());
  await r.flushdb();
  r.disconnect();
}
