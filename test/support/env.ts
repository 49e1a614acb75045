/** Where the tests find Postgres and Redis: the local services, or TEST_DATABASE_URL / TEST_REDIS_URL. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function dbUrl(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Each jest worker has its own Redis database index, so a test that flushes Redis touches no other file's queues. */
export function redisUrlForWorker(): string {
  const u = new URL(TEST_REDIS_URL);
  const base = Number(process.env.TEST_REDIS_DB_BASE ?? 1);
  u.pathname = `/${base + Number(process.env.JEST_WORKER_ID ?? 1) - 1}`;
  return u.toString();
}

export const templateName = (): string => {
  const run = process.env.MK_TEST_RUN;
  if (!run) throw new Error('MK_TEST_RUN is unset: run integration tests through jest (globalSetup)');
  return `mk_test_${run}_tpl`;
};
