import { client, request, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

type Sent = { status: number; headers: Headers; body: any };

function expectError(r: Sent, status: number, code: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  expect(r.body).toEqual({
    error: {
      code,
      message: expect.any(String),
      ...(r.body?.error?.details !== undefined ? { details: expect.any(Array) } : {}),
      request_id: r.headers.get('x-request-id'),
    },
  });
  expect(r.body.error.message.length).toBeGreaterThan(0);
}

const LOGIN = '/v1/auth/login';

describe('HTTP conventions (e2e)', () => {
  let t: TestApp;
  let s: Awaited<ReturnType<typeof signup>>;
  beforeAll(async () => {
    t = await createTestApp();
    s = await signup(t.url);
  });
  afterAll(() => t.close());

  describe('request ids', () => {
    it('echoes a well-formed x-request-id and puts it in error bodies', async () => {
      for (const id of ['abc', 'A.b-c_9', 'x'.repeat(128)]) {
        const r = await request(t.url, 'GET', '/v1/auth/session', undefined, {
          headers: { 'x-request-id': id },
        });
        expect(r.headers.get('x-request-id')).toBe(id);
        expect(r.body.error.request_id).toBe(id);
      }
    });

    it('replaces a malformed one with ours', async () => {
      for (const id of ['x'.repeat(129), 'has space', 'semi;colon', '<script>', 'a/b', '']) {
        const r = await request(t.url, 'GET', '/health', undefined, { headers: { 'x-request-id': id } });
        const got = r.headers.get('x-request-id');
        expect(got).not.toBe(id);
        expect(got).toMatch(/^req_[A-Za-z0-9_-]+$/);
      }
    });

    it('sends one on every response, successes included, and a fresh one each time', async () => {
      const a = await request(t.url, 'GET', '/health');
      const b = await client(t.url, s.token).get('/v1/auth/session');
      expect(a.headers.get('x-request-id')).toMatch(/^req_/);
      expect(b.headers.get('x-request-id')).toMatch(/^req_/);
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });
  });

  describe('bodies', () => {
    it('rejects unknown body fields with 400 and details naming them', async () => {
      const r = await request(t.url, 'POST', LOGIN, {
        email: s.email,
        password: s.password,
        remember_me: true,
      });
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details).toEqual([
        { field: 'remember_me', message: expect.stringContaining('remember_me') },
      ]);
    });

    it('rejects a body on a route that takes none', async () => {
      const r = await client(t.url, s.token).post('/v1/auth/logout', { everywhere: true });
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details[0].field).toBe('everywhere');
    });

    it('rejects unknown query parameters with 400 and details', async () => {
      const r = await client(t.url, s.token).get('/v1/auth/session?verbose=1');
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.details).toEqual([{ field: 'verbose', message: expect.any(String) }]);
      const login = await request(t.url, 'POST', `${LOGIN}?debug=true`, {
        email: s.email,
        password: s.password,
      });
      expectError(login, 400, 'validation_failed');
    });

    it('lists every bad field in details', async () => {
      const r = await request(t.url, 'POST', '/v1/auth/signup', {
        email: 'nope',
        password: 'short',
        workspace_name: '',
      });
      expectError(r, 400, 'validation_failed');
      const fields = r.body.error.details.map((d: { field: string }) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['email', 'password', 'workspace_name']));
    });

    it('rejects wrong field types', async () => {
      const r = await request(t.url, 'POST', LOGIN, { email: ['a'], password: 12 });
      expectError(r, 400, 'validation_failed');
    });

    it.each([
      ['text/plain', JSON.stringify({ email: 'a@example.test', password: 'x' })],
      ['application/x-www-form-urlencoded', JSON.stringify({ email: 'a@example.test', password: 'x' })],
      ['multipart/form-data; boundary=x', JSON.stringify({ email: 'a@example.test', password: 'x' })],
    ])('answers 415 for a %s body', async (type, raw) => {
      expectError(
        await request(t.url, 'POST', LOGIN, undefined, { raw, headers: { 'content-type': type } }),
        415,
        'unsupported_media_type',
      );
    });

    it('answers 415 when a JSON body comes with no content type', async () => {
      const r = await fetch(t.url + LOGIN, {
        method: 'POST',
        body: new Uint8Array(Buffer.from('{"email":"a@example.test"}')),
      });
      expect(r.status).toBe(415);
      expect(((await r.json()) as any).error.code).toBe('unsupported_media_type');
    });

    it('accepts application/json with a charset, and no other JSON-ish type', async () => {
      for (const [type, status] of [
        ['application/json; charset=utf-8', 200],
        ['APPLICATION/JSON', 200],
        ['application/merge-patch+json', 415],
        ['application/vnd.api+json', 415],
      ] as const) {
        const r = await request(t.url, 'POST', LOGIN, undefined, {
          raw: JSON.stringify({ email: s.email, password: s.password }),
          headers: { 'content-type': type },
        });
        expect(r.status).toBe(status);
      }
    });

    it('answers 413 for a body over 100 KiB and accepts one just under', async () => {
      const big = JSON.stringify({ email: s.email, password: 'x'.repeat(100 * 1024) });
      expectError(
        await request(t.url, 'POST', LOGIN, undefined, {
          raw: big,
          headers: { 'content-type': 'application/json' },
        }),
        413,
        'payload_too_large',
      );
      // Just under the limit: read and validated (password too long), not refused for size.
      const fits = JSON.stringify({ email: s.email, password: 'x'.repeat(100 * 1024 - 100) });
      expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(100 * 1024);
      expectError(
        await request(t.url, 'POST', LOGIN, undefined, {
          raw: fits,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'validation_failed',
      );
    });

    it.each([
      ['an array', '[1,2]'],
      ['a number', '42'],
      ['null', 'null'],
      ['a string', '"hello"'],
      ['true', 'true'],
      ['broken JSON', '{"email": '],
      ['trailing garbage', '{"email": "a"} x'],
    ])('answers 400 validation_failed for %s', async (_what, raw) => {
      expectError(
        await request(t.url, 'POST', LOGIN, undefined, {
          raw,
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'validation_failed',
      );
    });

    it('answers 400 for invalid UTF-8 bytes instead of replacing them', async () => {
      const raw = Buffer.concat([
        Buffer.from('{"email":"a'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('@example.test","password":"x"}'),
      ]);
      const r = await request(t.url, 'POST', LOGIN, undefined, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expectError(r, 400, 'validation_failed');
      expect(r.body.error.message).toMatch(/UTF-8/);
    });

    it('needs no content type for a POST without a body', async () => {
      const r = await request(t.url, 'POST', '/v1/auth/logout', undefined, {
        token: (await signup(t.url)).token,
      });
      expect(r.status).toBe(204);
    });
  });

  describe('precedence (size/parse, content type, session, CSRF, role, validation)', () => {
    it('oversized body without a session → 413', async () => {
      const raw = JSON.stringify({ x: 'y'.repeat(200 * 1024) });
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', undefined, {
          raw,
          headers: { 'content-type': 'application/json' },
        }),
        413,
        'payload_too_large',
      );
    });

    it('oversized body with the wrong content type → 413', async () => {
      const raw = 'y'.repeat(200 * 1024);
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', undefined, {
          raw,
          headers: { 'content-type': 'text/plain' },
        }),
        413,
        'payload_too_large',
      );
    });

    it('broken JSON without a session → 400', async () => {
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', undefined, {
          raw: '{',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'validation_failed',
      );
    });

    it('wrong content type without a session → 415', async () => {
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', undefined, {
          raw: '{"a":1}',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
        'unsupported_media_type',
      );
    });

    it('no session + unknown fields or query → 401', async () => {
      expectError(await request(t.url, 'POST', '/v1/auth/logout', { unknown: 1 }), 401, 'unauthenticated');
      expectError(await request(t.url, 'GET', '/v1/auth/session?unknown=1'), 401, 'unauthenticated');
    });

    it('cookie without CSRF + invalid body → 403 csrf_failed', async () => {
      const u = await signup(t.url);
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', { unknown: 1 }, { cookie: u.cookie }),
        403,
        'csrf_failed',
      );
    });

    it('cookie with CSRF + invalid body → 400', async () => {
      const u = await signup(t.url);
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', { unknown: 1 }, { cookie: u.cookie, csrf: u.csrf }),
        400,
        'validation_failed',
      );
    });

    it('bad bearer + wrong content type → 415', async () => {
      expectError(
        await request(t.url, 'POST', '/v1/auth/logout', undefined, {
          token: 'bad',
          raw: '{"a":1}',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
        'unsupported_media_type',
      );
    });
  });

  describe('routes, CORS, methods', () => {
    it('answers an unknown route with 404 in the error shape, with or without a session', async () => {
      expectError(await request(t.url, 'GET', '/v1/nope'), 404, 'not_found');
      expectError(await client(t.url, s.token).get('/v1/nope'), 404, 'not_found');
      expectError(await request(t.url, 'GET', '/'), 404, 'not_found');
      expectError(
        await request(t.url, 'DELETE', '/v1/auth/session', undefined, { token: s.token }),
        404,
        'not_found',
      );
    });

    it('sends no CORS headers, even to a request with an Origin', async () => {
      const r = await client(t.url, s.token).get('/v1/auth/session', {
        headers: { origin: 'https://evil.example.test' },
      });
      expect(r.status).toBe(200);
      for (const [k] of r.headers) expect(k).not.toMatch(/^access-control-/);
    });

    it('gives an OPTIONS preflight no allow headers', async () => {
      const r = await request(t.url, 'OPTIONS', '/v1/auth/login', undefined, {
        headers: {
          origin: 'https://evil.example.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      for (const [k] of r.headers) expect(k).not.toMatch(/^access-control-/);
      expect(r.status).toBeGreaterThanOrEqual(400);
    });

    it('does not announce the framework', async () => {
      const r = await request(t.url, 'GET', '/health');
      expect(r.headers.get('x-powered-by')).toBeNull();
    });

    it('never leaks a stack trace or SQL in an error body', async () => {
      const r = await request(t.url, 'POST', LOGIN, { email: "' OR 1=1 --", password: 'x' });
      expect(r.status).toBe(401);
      expect(r.text).not.toMatch(/at .*\.ts:\d+|SELECT|QueryFailed/);
    });
  });
});
