import { client, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

// Passport keeps strategies in one process-wide registry: two apps in one process (an api beside
// a worker, or two tests' apps) must still each authenticate against their own database.
describe('two apps in one process', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp();
    b = await createTestApp();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('each app accepts its own sessions and not the other’s', async () => {
    const sa = await signup(a.url);
    const sb = await signup(b.url);
    expect((await client(a.url, sa.token).get('/v1/auth/session')).status).toBe(200);
    expect((await client(b.url, sb.token).get('/v1/auth/session')).status).toBe(200);
    expect((await client(a.url, sb.token).get('/v1/auth/session')).status).toBe(401);
    expect((await client(b.url, sa.token).get('/v1/auth/session')).status).toBe(401);
  });
});
