import { TestApp, createTestApp } from '../support/test-app';
import { client, request, signup } from '../support/http';

describe('auth (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('signs up, reads the session, logs out', async () => {
    const s = await signup(t.url);
    expect(s.body.role).toBe('owner');
    expect(s.body.user.id).toMatch(/^usr_/);
    expect(s.body.workspace.id).toMatch(/^ws_/);
    const me = await client(t.url, s.token).get('/v1/auth/session');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { id: s.userId },
      workspace: { id: s.workspaceId },
      role: 'owner',
    });
    const out = await client(t.url, s.token).post('/v1/auth/logout');
    expect(out.status).toBe(204);
    const after = await client(t.url, s.token).get('/v1/auth/session');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect(after.body.error.request_id).toBe(after.headers.get('x-request-id'));
  });

  it('health answers', async () => {
    const r = await request(t.url, 'GET', '/health');
    expect(r.status).toBe(200);
  });
});
