import { EventEmitter2 } from '@nestjs/event-emitter';
import { Webhook } from 'standardwebhooks';
import { signPayload } from '../../src/delivery/signing';
import {
  ENDPOINT_DELETED,
  ENDPOINT_DISABLED,
  ENDPOINT_URL_CHANGED,
} from '../../src/webhook-endpoints/webhook-endpoint.events';
import { WebhookEndpointsService } from '../../src/webhook-endpoints/webhook-endpoints.service';
import { client, request, signup } from '../support/http';
import { TestApp } from '../support/test-app';
import { GOOD_URL, TYPES, expectValidationError, startApp } from './webhook-endpoints.fixtures';

/** Verifies with the standardwebhooks package, as a receiver would. */
function verifiesWith(secret: string, signingSecrets: string[]): boolean {
  const body = JSON.stringify({ hello: 'world' });
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    'webhook-id': 'msg_test',
    'webhook-timestamp': String(ts),
    'webhook-signature': signPayload({
      msgId: 'msg_test',
      timestampSeconds: ts,
      body,
      secrets: signingSecrets,
    }),
  };
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}

describe('webhook endpoints (e2e)', () => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof signup>>;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startApp();
    owner = await signup(t.url);
    api = client(t.url, owner.token);
  });
  afterAll(() => t.close());

  const create = (body: Record<string, unknown> = {}) =>
    api.post('/v1/webhook-endpoints', { url: GOOD_URL, ...body });

  describe('create, read, update, delete', () => {
    it('creates a disabled endpoint by default with a whsec_ secret shown once', async () => {
      const r = await create({ description: 'CRM sync' });
      expect(r.status).toBe(201);
      expect(r.body).toEqual({
        id: expect.stringMatching(/^ep_[0-9a-z]{26}$/),
        url: GOOD_URL,
        description: 'CRM sync',
        status: 'disabled',
        disabled_reason: null,
        event_types: ['*'],
        has_signing_secret: true,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.any(String),
        signing_secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      expect(Buffer.from(r.body.signing_secret.slice(6), 'base64')).toHaveLength(32);

      const got = await api.get(`/v1/webhook-endpoints/${r.body.id}`);
      expect(got.status).toBe(200);
      const { signing_secret, ...resource } = r.body;
      expect(got.body).toEqual(resource);
      expect(got.text).not.toContain(signing_secret);

      const list = await api.get('/v1/webhook-endpoints');
      expect(list.text).not.toContain(signing_secret);
      expect(list.text).not.toContain('"signing_secret"');

      const patched = await api.patch(`/v1/webhook-endpoints/${r.body.id}`, { description: 'changed' });
      expect(patched.status).toBe(200);
      expect(patched.body).not.toHaveProperty('signing_secret');
      expect(patched.text).not.toContain(signing_secret);

      // Encrypted at rest: the stored row does not hold the secret.
      const stored = await t.db.query(
        'SELECT secret_encrypted FROM webhook_endpoint_secrets WHERE endpoint_id = $1',
        [r.body.id],
      );
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0].secret_encrypted).not.toContain(signing_secret.slice(6));
    });

    it('creates an active endpoint when asked, with a normalised URL and event types de-duplicated in order', async () => {
      const r = await create({
        url: 'HTTPS://Hooks.Example.TEST/a?b=1',
        status: 'active',
        event_types: ['test.beta', 'test.alpha', 'test.beta'],
      });
      expect(r.status).toBe(201);
      expect(r.body).toMatchObject({
        url: 'https://hooks.example.test/a?b=1',
        status: 'active',
        disabled_reason: null,
        description: null,
        event_types: ['test.beta', 'test.alpha'],
      });
    });

    it('walks disabled_reason through manual, active and back, clearing it on re-activation', async () => {
      const { body: ep } = await create();
      const path = `/v1/webhook-endpoints/${ep.id}`;
      let r = await api.patch(path, { status: 'active' });
      expect(r.body).toMatchObject({ status: 'active', disabled_reason: null });
      r = await api.patch(path, { status: 'disabled' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: 'disabled', disabled_reason: 'manual' });
      expect(new Date(r.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(ep.updated_at).getTime());
      r = await api.patch(path, { status: 'active' });
      expect(r.body).toMatchObject({ status: 'active', disabled_reason: null });
      // And after we disabled it ourselves.
      await t.app.get(WebhookEndpointsService).disable(owner.workspaceId, ep.id, 'gone');
      expect((await api.get(path)).body).toMatchObject({ status: 'disabled', disabled_reason: 'gone' });
      r = await api.patch(path, { status: 'active' });
      expect(r.body).toMatchObject({ status: 'active', disabled_reason: null });
    });

    it('patches url, description (null clears it) and event_types', async () => {
      const { body: ep } = await create({ description: 'x' });
      const path = `/v1/webhook-endpoints/${ep.id}`;
      const r = await api.patch(path, {
        url: 'https://other.example.test/new',
        event_types: ['test.alpha'],
        description: null,
      });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({
        id: ep.id,
        url: 'https://other.example.test/new',
        event_types: ['test.alpha'],
        description: null,
        status: 'disabled',
        created_at: ep.created_at,
      });
      expect((await api.get(path)).body).toEqual(r.body);
      const back = await api.patch(path, { event_types: ['*'] });
      expect(back.body.event_types).toEqual(['*']);
    });

    it('deletes the endpoint and its secrets; every endpoint route then answers 404', async () => {
      const { body: ep } = await create();
      const path = `/v1/webhook-endpoints/${ep.id}`;
      const del = await api.delete(path);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      for (const r of [
        await api.get(path),
        await api.patch(path, { description: 'x' }),
        await api.delete(path),
        await api.post(`${path}/signing-secret`),
      ]) {
        expect(r.status).toBe(404);
        expect(r.body.error.code).toBe('not_found');
      }
      const secrets = await t.db.query('SELECT 1 FROM webhook_endpoint_secrets WHERE endpoint_id = $1', [
        ep.id,
      ]);
      expect(secrets.rowCount).toBe(0);
      await expect(
        t.app.get(WebhookEndpointsService).loadForDelivery(owner.workspaceId, ep.id),
      ).resolves.toBeNull();
    });

    it('answers 404 for an id that is not an endpoint id at all', async () => {
      const r = await api.get('/v1/webhook-endpoints/nope');
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    });
  });

  describe('lists', () => {
    it('pages newest first with limit, cursor and has_more, scoped to the workspace', async () => {
      const me = await signup(t.url);
      const mine = client(t.url, me.token);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await mine.post('/v1/webhook-endpoints', { url: GOOD_URL, description: `n${i}` });
        ids.push(r.body.id);
      }
      await create(); // another workspace's endpoint never shows

      const p1 = await mine.get('/v1/webhook-endpoints?limit=2');
      expect(p1.status).toBe(200);
      expect(p1.body.data.map((e: any) => e.id)).toEqual([ids[4], ids[3]]);
      expect(p1.body.has_more).toBe(true);
      expect(typeof p1.body.next_cursor).toBe('string');
      const p2 = await mine.get(
        `/v1/webhook-endpoints?limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`,
      );
      expect(p2.body.data.map((e: any) => e.id)).toEqual([ids[2], ids[1]]);
      expect(p2.body.has_more).toBe(true);
      const p3 = await mine.get(
        `/v1/webhook-endpoints?limit=2&cursor=${encodeURIComponent(p2.body.next_cursor)}`,
      );
      expect(p3.body).toEqual({
        data: [expect.objectContaining({ id: ids[0] })],
        has_more: false,
        next_cursor: null,
      });

      const all = await mine.get('/v1/webhook-endpoints');
      expect(all.body.data.map((e: any) => e.id)).toEqual([...ids].reverse());
      expect(all.body.has_more).toBe(false);
      for (const e of all.body.data) expect(e).not.toHaveProperty('signing_secret');
    });

    it.each([
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'cursor=bogus',
      'cursor=eyJ4Ijox.AAAA',
      'colour=blue',
    ])('refuses %s with 400', async (q) => {
      const r = await api.get(`/v1/webhook-endpoints?${q}`);
      expectValidationError(r, q.split('=')[0]);
    });
  });

  describe('validation', () => {
    it.each([
      ['not a URL', 'not a url'],
      ['relative', '/hooks'],
      ['ftp', 'ftp://hooks.example.test/'],
      ['credentials', 'https://user:pass@hooks.example.test/'],
      ['username only', 'https://user@hooks.example.test/'],
      ['too long', `https://hooks.example.test/${'a'.repeat(2100)}`],
      ['empty', ''],
    ])('refuses a bad url (%s) at create and update', async (_, url) => {
      expectValidationError(await create({ url }), 'url');
      const { body: ep } = await create();
      expectValidationError(await api.patch(`/v1/webhook-endpoints/${ep.id}`, { url }), 'url');
    });

    it('refuses a url that is not a string', async () => {
      expectValidationError(await create({ url: 42 }), 'url');
      expectValidationError(await api.post('/v1/webhook-endpoints', {}), 'url');
    });

    it('refuses credentials with a message saying so', async () => {
      expectValidationError(await create({ url: 'https://a:b@hooks.example.test/' }), 'url', /credentials/);
    });

    it.each([
      ['unknown', ['test.alpha', 'nope.nope']],
      ['empty', []],
      ['"*" beside names', ['*', 'test.alpha']],
    ])('refuses %s event_types, listing the allowed ones', async (_, event_types) => {
      const r = await create({ event_types });
      expectValidationError(r, 'event_types');
      expect(r.body.error.message).toContain('test.alpha');
      expect(r.body.error.message).toContain('test.beta');
      expect(r.body.error.message).toContain('"*"');
      const { body: ep } = await create();
      expectValidationError(
        await api.patch(`/v1/webhook-endpoints/${ep.id}`, { event_types }),
        'event_types',
      );
    });

    it.each([
      ['event_types not an array', { event_types: 'test.alpha' }, 'event_types'],
      ['event_types of numbers', { event_types: [1] }, 'event_types'],
      ['bad status', { status: 'paused' }, 'status'],
      ['long description', { description: 'x'.repeat(501) }, 'description'],
      ['description not a string', { description: 5 }, 'description'],
      ['unknown field', { secret: 'mine' }, 'secret'],
      ['unknown field signing_secret', { signing_secret: 'whsec_x' }, 'signing_secret'],
    ])('refuses %s at create', async (_, body, field) => {
      expectValidationError(await create(body), field);
    });

    it('accepts a description of exactly 500 characters', async () => {
      expect((await create({ description: 'x'.repeat(500) })).status).toBe(201);
    });

    it('refuses an empty PATCH, unknown fields and bad values in PATCH', async () => {
      const { body: ep } = await create();
      const path = `/v1/webhook-endpoints/${ep.id}`;
      const empty = await api.patch(path, {});
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('validation_failed');
      const none = await request(t.url, 'PATCH', path, undefined, { token: owner.token });
      expect(none.status).toBe(400);
      expectValidationError(await api.patch(path, { colour: 'blue' }), 'colour');
      expectValidationError(await api.patch(path, { status: 'paused' }), 'status');
      expectValidationError(await api.patch(path, { url: null }), 'url');
      expect((await api.get(path)).body).toEqual((({ signing_secret: _s, ...rest }) => rest)(ep));
    });

    it('validates before looking the endpoint up (400 before 404)', async () => {
      const r = await api.patch('/v1/webhook-endpoints/ep_missing', { status: 'paused' });
      expect(r.status).toBe(400);
    });

    it('lists the event catalog', async () => {
      const r = await api.get('/v1/webhook-event-types');
      expect(r.status).toBe(200);
      expect(r.body.data).toEqual(expect.arrayContaining(TYPES));
      for (const e of r.body.data) expect(Object.keys(e).sort()).toEqual(['description', 'type']);
    });
  });

  describe('signing secret rotation', () => {
    const svc = () => t.app.get(WebhookEndpointsService);

    it('keeps both secrets live during the grace period, newest first, and each verifies', async () => {
      const { body: ep } = await create({ status: 'active' });
      const first = ep.signing_secret as string;
      expect((await svc().loadForDelivery(owner.workspaceId, ep.id))!.secrets).toEqual([first]);

      const before = Date.now();
      const r = await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, {
        grace_period_seconds: 3600,
      });
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['previous_secret_expires_at', 'signing_secret']);
      const second = r.body.signing_secret as string;
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);
      const expiresAt = new Date(r.body.previous_secret_expires_at).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 5_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);

      const loaded = await svc().loadForDelivery(owner.workspaceId, ep.id);
      expect(loaded).toEqual({
        id: ep.id,
        workspaceId: owner.workspaceId,
        url: GOOD_URL,
        status: 'active',
        failingSince: null,
        secrets: [second, first],
      });
      // A receiver holding either secret verifies the two-signature header.
      expect(verifiesWith(first, loaded!.secrets)).toBe(true);
      expect(verifiesWith(second, loaded!.secrets)).toBe(true);
      expect(verifiesWith(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, loaded!.secrets)).toBe(false);

      // The new secret is never shown again.
      const got = await api.get(`/v1/webhook-endpoints/${ep.id}`);
      expect(got.text).not.toContain(second);
      expect((await api.get('/v1/webhook-endpoints')).text).not.toContain(second);
    });

    it('defaults the grace period to a day', async () => {
      const { body: ep } = await create();
      const r = await request(t.url, 'POST', `/v1/webhook-endpoints/${ep.id}/signing-secret`, undefined, {
        token: owner.token,
      });
      expect(r.status).toBe(200);
      const ms = new Date(r.body.previous_secret_expires_at).getTime() - Date.now();
      expect(ms).toBeGreaterThan(86_400_000 - 60_000);
      expect(ms).toBeLessThanOrEqual(86_400_000 + 5_000);
      expect((await svc().loadForDelivery(owner.workspaceId, ep.id))!.secrets).toHaveLength(2);
    });

    it('with grace 0 the old secret stops at once', async () => {
      const { body: ep } = await create();
      const r = await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace_period_seconds: 0 });
      expect(r.status).toBe(200);
      expect(r.body.previous_secret_expires_at).toBeNull();
      const loaded = await svc().loadForDelivery(owner.workspaceId, ep.id);
      expect(loaded!.secrets).toEqual([r.body.signing_secret]);
      expect(verifiesWith(ep.signing_secret, loaded!.secrets)).toBe(false);
      expect(verifiesWith(r.body.signing_secret, loaded!.secrets)).toBe(true);
    });

    it('keeps at most two live: a third rotation drops the oldest', async () => {
      const { body: ep } = await create();
      const rotate = async () =>
        (await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace_period_seconds: 600 })).body
          .signing_secret as string;
      const s2 = await rotate();
      const s3 = await rotate();
      expect((await svc().loadForDelivery(owner.workspaceId, ep.id))!.secrets).toEqual([s3, s2]);
      const s4 = await rotate();
      expect((await svc().loadForDelivery(owner.workspaceId, ep.id))!.secrets).toEqual([s4, s3]);
      const rows = await t.db.query(
        'SELECT count(*)::int AS n FROM webhook_endpoint_secrets WHERE endpoint_id = $1',
        [ep.id],
      );
      expect(rows.rows[0].n).toBe(2);
    });

    it('stays consistent under concurrent rotations', async () => {
      const { body: ep } = await create();
      const results = await Promise.all(
        Array.from({ length: 6 }, () =>
          api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace_period_seconds: 600 }),
        ),
      );
      for (const r of results) expect(r.status).toBe(200);
      const secrets = (await svc().loadForDelivery(owner.workspaceId, ep.id))!.secrets;
      expect(secrets).toHaveLength(2);
      const issued = results.map((r) => r.body.signing_secret);
      for (const s of secrets) expect(issued).toContain(s);
      const rows = await t.db.query(
        'SELECT count(*)::int AS n FROM webhook_endpoint_secrets WHERE endpoint_id = $1 AND expires_at IS NULL',
        [ep.id],
      );
      expect(rows.rows[0].n).toBe(1);
    });

    it.each([-1, 604801, 1.5, '60', null])('refuses grace_period_seconds %p', async (g) => {
      const { body: ep } = await create();
      const r = await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace_period_seconds: g });
      // null is not "not given": the contract's range is 0..604800.
      expectValidationError(r, 'grace_period_seconds');
    });

    it('accepts the maximum grace period and refuses unknown fields', async () => {
      const { body: ep } = await create();
      expect(
        (await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace_period_seconds: 604800 }))
          .status,
      ).toBe(200);
      expectValidationError(
        await api.post(`/v1/webhook-endpoints/${ep.id}/signing-secret`, { grace: 1 }),
        'grace',
      );
    });
  });

  describe('URL policy with WEBHOOK_ALLOW_HTTP_URLS/PRIVATE_URLS=true (the test default)', () => {
    it('with the flags on, lets http, loopback and private through but never metadata', async () => {
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'https://internal.example.test/',
        'https://[::1]/',
        'https://mixed.example.test/',
      ]) {
        expect((await create({ url })).status).toBe(201);
      }
      for (const url of [
        'https://169.254.169.254/',
        'http://169.254.169.254/',
        'https://meta.example.test/',
        'https://[fd00:ec2::254]/',
      ]) {
        expectValidationError(await create({ url }), 'url', /metadata/);
        const { body: ep } = await create();
        expectValidationError(await api.patch(`/v1/webhook-endpoints/${ep.id}`, { url }), 'url', /metadata/);
      }
      expectValidationError(await create({ url: 'https://0.0.0.0/' }), 'url');
    });
  });

  describe('tenancy and roles', () => {
    it('answers 404 for another workspace’s endpoint on every route', async () => {
      const { body: ep } = await create();
      const other = client(t.url, (await signup(t.url)).token);
      const path = `/v1/webhook-endpoints/${ep.id}`;
      for (const r of [
        await other.get(path),
        await other.patch(path, { status: 'active' }),
        await other.delete(path),
        await other.post(`${path}/signing-secret`, { grace_period_seconds: 0 }),
      ]) {
        expect(r.status).toBe(404);
        expect(r.body.error.code).toBe('not_found');
      }
      expect((await other.get('/v1/webhook-endpoints')).body.data).toEqual([]);
      const still = await api.get(path);
      expect(still.body.status).toBe('disabled');
      expect(
        (await t.app.get(WebhookEndpointsService).loadForDelivery(owner.workspaceId, ep.id))!.secrets,
      ).toEqual([ep.signing_secret]);
      await expect(t.app.get(WebhookEndpointsService).loadForDelivery('ws_other', ep.id)).resolves.toBeNull();
      await expect(t.app.get(WebhookEndpointsService).exists('ws_other', ep.id)).resolves.toBeNull();
    });

    it('lets members read and refuses them writes with 403; admins write', async () => {
      const { body: ep } = await create();
      const path = `/v1/webhook-endpoints/${ep.id}`;
      const login = async (role: string) => {
        const u = await signup(t.url);
        await t.db.query('INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)', [
          owner.workspaceId,
          u.userId,
          role,
        ]);
        const r = await request(t.url, 'POST', '/v1/auth/login', {
          email: u.email,
          password: u.password,
          workspace_id: owner.workspaceId,
        });
        expect(r.status).toBe(200);
        expect(r.body.role).toBe(role);
        return client(t.url, r.body.session.token);
      };
      const member = await login('member');
      expect((await member.get(path)).status).toBe(200);
      expect((await member.get('/v1/webhook-endpoints')).status).toBe(200);
      expect((await member.get('/v1/webhook-event-types')).status).toBe(200);
      for (const r of [
        await member.post('/v1/webhook-endpoints', { url: GOOD_URL }),
        await member.patch(path, { status: 'active' }),
        await member.delete(path),
        await member.post(`${path}/signing-secret`),
      ]) {
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('forbidden');
        expect(r.text).not.toContain('whsec_');
      }
      expect((await api.get(path)).body.status).toBe('disabled');

      const admin = await login('admin');
      expect((await admin.patch(path, { status: 'active' })).status).toBe(200);
      expect((await admin.post(`${path}/signing-secret`)).status).toBe(200);
      expect((await admin.delete(path)).status).toBe(204);
    });

    it('refuses callers without a session', async () => {
      expect((await request(t.url, 'GET', '/v1/webhook-endpoints')).status).toBe(401);
      expect((await request(t.url, 'GET', '/v1/webhook-event-types')).status).toBe(401);
    });
  });

  describe('domain events', () => {
    it('emits disabled (manual), url-changed and deleted', async () => {
      const seen: Array<[string, unknown]> = [];
      const emitter = t.app.get(EventEmitter2);
      const listeners = [ENDPOINT_DELETED, ENDPOINT_DISABLED, ENDPOINT_URL_CHANGED].map((name) => {
        const fn = (payload: unknown) => seen.push([name, payload]);
        emitter.on(name, fn);
        return () => emitter.off(name, fn);
      });
      try {
        const { body: ep } = await create({ status: 'active' });
        const path = `/v1/webhook-endpoints/${ep.id}`;
        const ws = owner.workspaceId;
        await api.patch(path, { description: 'no event for this' });
        await api.patch(path, { url: GOOD_URL }); // same URL: no change
        expect(seen).toEqual([]);
        await api.patch(path, { status: 'disabled', url: 'https://other.example.test/x' });
        expect(seen).toEqual([
          [ENDPOINT_DISABLED, { workspaceId: ws, endpointId: ep.id, reason: 'manual' }],
          [ENDPOINT_URL_CHANGED, { workspaceId: ws, endpointId: ep.id, url: 'https://other.example.test/x' }],
        ]);
        seen.length = 0;
        await api.patch(path, { status: 'disabled' }); // already disabled: nothing new to react to
        expect(seen).toEqual([]);
        await api.delete(path);
        expect(seen).toEqual([[ENDPOINT_DELETED, { workspaceId: ws, endpointId: ep.id }]]);
      } finally {
        listeners.forEach((off) => off());
      }
    });
  });

  describe('the service surface for Delivery', () => {
    const svc = () => t.app.get(WebhookEndpointsService);
    const failingSince = async (id: string): Promise<Date | null> =>
      (await t.db.query('SELECT failing_since FROM webhook_endpoints WHERE id = $1', [id])).rows[0]
        .failing_since;

    it('findActiveForEvent matches active endpoints by "*" or exact name, in this workspace only', async () => {
      const me = await signup(t.url);
      const mine = client(t.url, me.token);
      const all = (await mine.post('/v1/webhook-endpoints', { url: GOOD_URL, status: 'active' })).body.id;
      const alpha = (
        await mine.post('/v1/webhook-endpoints', {
          url: GOOD_URL,
          status: 'active',
          event_types: ['test.alpha'],
        })
      ).body.id;
      await mine.post('/v1/webhook-endpoints', {
        url: GOOD_URL,
        status: 'active',
        event_types: ['test.beta'],
      });
      await mine.post('/v1/webhook-endpoints', { url: GOOD_URL }); // disabled
      await create({ status: 'active' }); // another workspace
      const found = await svc().findActiveForEvent(me.workspaceId, 'test.alpha');
      expect(found.map((e) => e.id).sort()).toEqual([all, alpha].sort());
      expect(await svc().findActiveForEvent(me.workspaceId, 'test.gamma')).toEqual([{ id: all }]);
    });

    it('exists tells status or null', async () => {
      const { body: ep } = await create({ status: 'active' });
      await expect(svc().exists(owner.workspaceId, ep.id)).resolves.toEqual({ status: 'active' });
      await expect(svc().exists(owner.workspaceId, 'ep_gone')).resolves.toBeNull();
    });

    it('disable() disables an active endpoint once and emits', async () => {
      const { body: ep } = await create({ status: 'active' });
      const seen: unknown[] = [];
      const fn = (p: unknown) => seen.push(p);
      t.app.get(EventEmitter2).on(ENDPOINT_DISABLED, fn);
      try {
        await svc().disable(owner.workspaceId, ep.id, 'failing');
        await svc().disable(owner.workspaceId, ep.id, 'gone'); // already disabled: kept as it was
        await svc().disable('ws_other', ep.id, 'gone');
      } finally {
        t.app.get(EventEmitter2).off(ENDPOINT_DISABLED, fn);
      }
      expect(seen).toEqual([{ workspaceId: owner.workspaceId, endpointId: ep.id, reason: 'failing' }]);
      expect((await api.get(`/v1/webhook-endpoints/${ep.id}`)).body).toMatchObject({
        status: 'disabled',
        disabled_reason: 'failing',
      });
    });

    it('recordAttemptOutcome starts the failing clock, keeps it, clears it on success', async () => {
      const { body: ep } = await create({ status: 'active' });
      const DAY = 86_400_000;
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, DAY);
      const started = await failingSince(ep.id);
      expect(started).toBeInstanceOf(Date);
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, DAY);
      expect(await failingSince(ep.id)).toEqual(started); // the clock is not restarted by later failures
      expect((await svc().exists(owner.workspaceId, ep.id))!.status).toBe('active');
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, true, DAY);
      expect(await failingSince(ep.id)).toBeNull();
      // Another workspace cannot touch it.
      await svc().recordAttemptOutcome('ws_other', ep.id, false, 0);
      expect(await failingSince(ep.id)).toBeNull();
      expect((await svc().exists(owner.workspaceId, ep.id))!.status).toBe('active');
    });

    it('disables ("failing") once the clock is older than the window; re-activation clears the clock', async () => {
      const { body: ep } = await create({ status: 'active' });
      const DAY = 86_400_000;
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, DAY);
      // Move the clock back instead of waiting a day.
      await t.db.query(
        `UPDATE webhook_endpoints SET failing_since = now() - interval '25 hours' WHERE id = $1`,
        [ep.id],
      );
      const seen: unknown[] = [];
      const fn = (p: unknown) => seen.push(p);
      t.app.get(EventEmitter2).on(ENDPOINT_DISABLED, fn);
      try {
        await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, DAY);
      } finally {
        t.app.get(EventEmitter2).off(ENDPOINT_DISABLED, fn);
      }
      expect(seen).toEqual([{ workspaceId: owner.workspaceId, endpointId: ep.id, reason: 'failing' }]);
      expect((await api.get(`/v1/webhook-endpoints/${ep.id}`)).body).toMatchObject({
        status: 'disabled',
        disabled_reason: 'failing',
      });

      const r = await api.patch(`/v1/webhook-endpoints/${ep.id}`, { status: 'active' });
      expect(r.body).toMatchObject({ status: 'active', disabled_reason: null });
      expect(await failingSince(ep.id)).toBeNull();
      // A fresh failure starts a fresh clock and does not disable at once.
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, DAY);
      expect((await svc().exists(owner.workspaceId, ep.id))!.status).toBe('active');
    });

    it('a zero window disables on the first failure', async () => {
      const { body: ep } = await create({ status: 'active' });
      await svc().recordAttemptOutcome(owner.workspaceId, ep.id, false, 0);
      expect((await api.get(`/v1/webhook-endpoints/${ep.id}`)).body).toMatchObject({
        status: 'disabled',
        disabled_reason: 'failing',
      });
    });
  });
});
