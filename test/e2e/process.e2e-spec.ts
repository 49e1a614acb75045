import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { BuiltService, ServiceRun, buildService } from '../support/built-service';
import { dbUrl, redisUrlForWorker, templateName } from '../support/env';
import { eventually, request } from '../support/http';
import { TcpProxy, createTcpProxy } from '../support/tcp-proxy';

/** The real entry point, `node dist/src/main.js`, built from this tree into a temp dir and run as its own process. */
let svc: BuiltService;
const start = (env: Record<string, string>): ServiceRun => svc.start(env);

const viaProxy = (url: string, proxy: TcpProxy): string => {
  const u = new URL(url);
  u.port = String(proxy.port);
  return u.toString();
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  svc = await buildService('mk-process-');
}, 120_000);
afterAll(() => svc.cleanup());

describe('node dist/src/main.js: bad configuration', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['PORT', { PORT: 'abc' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/x' }],
    ['MAILKATANA_ROLE', { MAILKATANA_ROLE: 'everything' }],
    ['SECRETS_KEY', { NODE_ENV: 'production' }],
    ['SECRETS_KEY', { SECRETS_KEY: 'too-short' }],
  ];

  it(`stops with exit code 1 and one stderr line naming the variable (${cases.map((c) => c[0]).join(', ')})`, async () => {
    // All at once: each start loads the whole app before it reads the config.
    const runs = cases.map(([name, env]) => ({ name, run: start(env) }));
    for (const { name, run } of runs) {
      expect((await run.exited).code).toBe(1);
      const lines = run.stderr().trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(new RegExp(`^Invalid configuration: ${name} `))]);
    }
  });
});

describe('node dist/src/main.js: start-up, then Postgres and Redis outages', () => {
  let pg: TcpProxy;
  let redis: TcpProxy;
  let run: ServiceRun | undefined;
  let base: string;
  const port = { value: 0 };

  beforeAll(async () => {
    pg = await createTcpProxy(Number(new URL(dbUrl('x')).port || 5432));
    redis = await createTcpProxy(Number(new URL(redisUrlForWorker()).port || 6379));
    port.value = await freePort();
    base = `http://127.0.0.1:${port.value}`;
  });
  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGTERM');
      await run.exited;
    }
    await pg.close();
    await redis.close();
  });

  it('creates and migrates its database, keeps a development key, serves, survives Postgres and Redis going away', async () => {
    // A database that does not exist yet, named so the run's teardown drops it.
    const name = `${templateName().replace(/_tpl$/, '')}_proc${randomBytes(3).toString('hex')}`;
    run = start({
      NODE_ENV: 'development',
      DATABASE_URL: viaProxy(dbUrl(name), pg),
      REDIS_URL: viaProxy(redisUrlForWorker(), redis),
      PORT: String(port.value),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    });
    await eventually(async () => (await request(base, 'GET', '/health')).status === 200, 60_000, 200);
    expect(run.stdout()).toContain('created the database');
    expect(run.stdout()).toMatch(/ran migrations: .*Auth/);
    expect(run.stdout()).toContain('made a random development key');
    expect(existsSync(join(svc.dir, '.secrets-key'))).toBe(true);

    const signup = await request(base, 'POST', '/v1/auth/signup', {
      email: 'proc@example.test',
      password: 'long enough password',
      workspace_name: 'P',
    });
    expect(signup.status).toBe(201);
    const token = signup.body.session.token as string;

    pg.cut();
    await eventually(async () => (await request(base, 'GET', '/health')).status === 503, 10_000, 100);
    const down = await request(base, 'GET', '/v1/auth/session', undefined, { token });
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({
      code: 'service_unavailable',
      request_id: down.headers.get('x-request-id'),
    });
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    // Still down a few requests later, and the process has not exited.
    for (let i = 0; i < 5; i++)
      expect((await request(base, 'GET', '/v1/auth/session', undefined, { token })).status).toBe(503);
    expect(run.child.exitCode).toBeNull();

    pg.restore();
    await eventually(async () => (await request(base, 'GET', '/health')).status === 200, 30_000, 200);
    const back = await request(base, 'GET', '/v1/auth/session', undefined, { token });
    expect(back.status).toBe(200);
    expect(run.child.exitCode).toBeNull();

    redis.cut();
    await eventually(async () => (await request(base, 'GET', '/health')).status === 503, 10_000, 100);
    const login = await request(base, 'POST', '/v1/auth/login', {
      email: 'proc@example.test',
      password: 'long enough password',
    });
    expect(login.status).toBe(503);
    expect(login.body.error.code).toBe('service_unavailable');
    expect(Number(login.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(run.child.exitCode).toBeNull();
    redis.restore();
    await eventually(async () => (await request(base, 'GET', '/health')).status === 200, 30_000, 200);
    const again = await request(base, 'POST', '/v1/auth/login', {
      email: 'proc@example.test',
      password: 'long enough password',
    });
    expect(again.status).toBe(200);
    expect(run.child.exitCode).toBeNull();
    expect(run.stderr()).not.toMatch(/Unhandled|uncaught/i);
  });
});
