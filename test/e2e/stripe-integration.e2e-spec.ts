import http from 'node:http';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import Stripe from 'stripe';
import { QUEUES } from '../../src/common/queues';
import { SUPPORTED_STRIPE_EVENT_TYPES } from '../../src/stripe-integration/stripe-event-types';
import { StripeEventArchive } from '../../src/stripe-integration/stripe-event-archive.service';
import { StripeNormalizationSweeper } from '../../src/stripe-integration/stripe-normalization.sweeper';
import { Res, client, eventually, request, signup } from '../support/http';
import { createTcpProxy } from '../support/tcp-proxy';
import { TestApp, createTestApp } from '../support/test-app';

const stripe = new Stripe('sk_test_x');
const SECRET = 'whsec_e2eTestSecretValue0123456789abcdef';

let seq = 0;
const evtId = () => `evt_e2e${Date.now().toString(36)}${++seq}`;

function stripeEvent(over: Record<string, unknown> = {}): Record<string, unknown> {
  const id = evtId();
  return {
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.created',
    data: {
      object: { id: `cus_${id.slice(4)}`, object: 'customer', email: 'ada@example.test', name: 'Ada' },
    },
    ...over,
  };
}

const sign = (payload: string, secret = SECRET, timestamp?: number) =>
  stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp !== undefined ? { timestamp } : {}),
  });

interface CapturedLog {
  level: string;
  line: string;
}

describe('stripe integration (e2e)', () => {
  let t: TestApp;
  let queue: Queue;
  const logs: CapturedLog[] = [];
  // Every header and secret the tests send, to prove none reaches a response or a log line.
  const sentHeaders: string[] = [];
  const responses: string[] = [];
  let owner: Awaited<ReturnType<typeof signup>>;
  let integrationId: string;

  const hook = (id: string) => `/v1/integrations/stripe/webhook/${id}`;

  async function send(
    body: string | Buffer,
    o: { id?: string; header?: string | null; contentType?: string | null; signWith?: string } = {},
  ): Promise<Res> {
    const header =
      o.header === undefined
        ? sign(typeof body === 'string' ? body : body.toString('utf8'), o.signWith ?? SECRET)
        : o.header;
    const headers: Record<string, string> = {};
    if (header !== null) {
      headers['stripe-signature'] = header;
      sentHeaders.push(header);
    }
    if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
    const r = await request(t.url, 'POST', hook(o.id ?? integrationId), undefined, { raw: body, headers });
    responses.push(r.text);
    return r;
  }

  const archived = async (eventId: string) =>
    (
      await t.db.query(
        `SELECT id, status, type, raw_body, payload, livemode, api_version, stripe_created, workspace_id FROM stripe_events WHERE event_id = $1`,
        [eventId],
      )
    ).rows;

  const jobsFor = async (archivedId: string) => {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    return jobs.filter((j) => j?.data?.archivedEventId === archivedId);
  };

  beforeAll(async () => {
    // api role: nothing consumes the normalization queue, so jobs can be counted.
    t = await createTestApp({
      captureLogs: true,
      env: { MAILKATANA_ROLE: 'api', LOG_LEVEL: 'debug', PUBLIC_BASE_URL: 'https://hooks.example.test' },
    });
    queue = t.app.get<Queue>(getQueueToken(QUEUES.stripeNormalization), { strict: false });
    await queue.empty();
    owner = await signup(t.url);
    const c = client(t.url, owner.token);
    const got = await c.get('/v1/settings/integrations/stripe');
    integrationId = got.body.id;
    const r = await c.patch('/v1/settings/integrations/stripe', { enabled: true, signing_secret: SECRET });
    expect(r.status).toBe(200);
    responses.push(r.text);
  });

  afterAll(() => t.close());

  describe('settings', () => {
    it('creates the integration on first read, once, even for concurrent first reads', async () => {
      const s = await signup(t.url);
      const c = client(t.url, s.token);
      const all = await Promise.all(
        Array.from({ length: 10 }, () => c.get('/v1/settings/integrations/stripe')),
      );
      for (const r of all) expect(r.status).toBe(200);
      const ids = new Set(all.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM stripe_integrations WHERE workspace_id = $1`,
        [s.workspaceId],
      );
      expect(rows[0].n).toBe(1);
      const body = all[0]!.body;
      expect(body).toEqual({
        id: expect.stringMatching(/^int_[0-9a-z]{26}$/),
        enabled: false,
        has_signing_secret: false,
        webhook_url: `https://hooks.example.test/v1/integrations/stripe/webhook/${body.id}`,
        supported_events: [...SUPPORTED_STRIPE_EVENT_TYPES],
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(body.supported_events).toHaveLength(19);
    });

    it('refuses enabling without a secret, also when the same PATCH removes it', async () => {
      const s = await signup(t.url);
      const c = client(t.url, s.token);
      let r = await c.patch('/v1/settings/integrations/stripe', { enabled: true });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('signing_secret_required');
      r = await c.patch('/v1/settings/integrations/stripe', { signing_secret: SECRET });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ enabled: false, has_signing_secret: true });
      r = await c.patch('/v1/settings/integrations/stripe', { enabled: true, signing_secret: null });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('signing_secret_required');
      r = await c.patch('/v1/settings/integrations/stripe', { enabled: true });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ enabled: true, has_signing_secret: true });
      // Removing the secret of an enabled integration would leave it unable to verify anything.
      r = await c.patch('/v1/settings/integrations/stripe', { signing_secret: null });
      expect(r.body.error.code).toBe('signing_secret_required');
      r = await c.patch('/v1/settings/integrations/stripe', { enabled: false, signing_secret: null });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ enabled: false, has_signing_secret: false });
    });

    it('validates the body', async () => {
      const c = client(t.url, owner.token);
      for (const body of [
        { signing_secret: 'sk_live_nope' },
        { signing_secret: 'whsec_' },
        { signing_secret: 'whsec_has space' },
        { signing_secret: `whsec_${'a'.repeat(251)}` },
        { signing_secret: 42 },
        { enabled: 'true' },
        { enabled: true, extra: 1 },
        {},
      ]) {
        const r = await c.patch('/v1/settings/integrations/stripe', body);
        expect([r.status, r.body.error.code]).toEqual([400, 'validation_failed']);
      }
      const ok = await c.patch('/v1/settings/integrations/stripe', {
        signing_secret: `whsec_${'a'.repeat(250)}`,
      });
      expect(ok.status).toBe(200);
      const back = await c.patch('/v1/settings/integrations/stripe', { signing_secret: SECRET });
      expect(back.status).toBe(200);
    });

    it('keeps the secret write-only and encrypted at rest', async () => {
      const r = await client(t.url, owner.token).get('/v1/settings/integrations/stripe');
      expect(r.text).not.toContain(SECRET);
      expect(r.body).not.toHaveProperty('signing_secret');
      const { rows } = await t.db.query(
        `SELECT signing_secret_encrypted AS s FROM stripe_integrations WHERE id = $1`,
        [integrationId],
      );
      expect(rows[0].s).toMatch(/^v1\./);
      expect(rows[0].s).not.toContain(SECRET.slice(6));
    });

    it('lets members read and only owners and admins write', async () => {
      const member = await signup(t.url);
      await t.db.query(`INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'member')`, [
        owner.workspaceId,
        member.userId,
      ]);
      const login = await request(t.url, 'POST', '/v1/auth/login', {
        email: member.email,
        password: member.password,
        workspace_id: owner.workspaceId,
      });
      expect(login.status).toBe(200);
      const c = client(t.url, login.body.session.token);
      const read = await c.get('/v1/settings/integrations/stripe');
      expect(read.status).toBe(200);
      expect(read.body.id).toBe(integrationId);
      expect((await c.get('/v1/settings/integrations/stripe/events')).status).toBe(200);
      const write = await c.patch('/v1/settings/integrations/stripe', { enabled: false });
      expect([write.status, write.body.error.code]).toEqual([403, 'forbidden']);
      const anon = await request(t.url, 'GET', '/v1/settings/integrations/stripe');
      expect(anon.status).toBe(401);
    });
  });

  describe('ingestion', () => {
    it('archives a valid event with its exact bytes and queues one normalization job; repeats are duplicates', async () => {
      const ev = stripeEvent();
      const body = JSON.stringify(ev);
      const r = await send(body);
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ received: true, duplicate: false, supported: true });
      const rows = await archived(ev.id as string);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row.status).toBe('pending');
      expect(row.type).toBe('customer.created');
      expect(row.workspace_id).toBe(owner.workspaceId);
      expect(row.api_version).toBe('2024-06-20');
      expect(Number(row.stripe_created)).toBe(ev.created);
      expect(Buffer.compare(row.raw_body, Buffer.from(body))).toBe(0);
      const jobs = await jobsFor(row.id);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.data).toEqual({ archivedEventId: row.id, workspaceId: owner.workspaceId });

      const again = await send(body);
      expect(again.body).toEqual({ received: true, duplicate: true, supported: true });
      // A different body under the same id: the first one archived wins, unread.
      const changed = await send(JSON.stringify({ ...ev, type: 'something.else' }));
      expect(changed.body).toEqual({ received: true, duplicate: true, supported: true });
      expect(await archived(ev.id as string)).toHaveLength(1);
      expect(await jobsFor(row.id)).toHaveLength(1);
    });

    it('archives and queues once for 20 concurrent identical requests', async () => {
      const ev = stripeEvent({
        type: 'invoice.paid',
        data: { object: { id: 'in_1', object: 'invoice', customer: 'cus_1' } },
      });
      const body = JSON.stringify(ev);
      const header = sign(body);
      const before = (await queue.getJobCounts()).waiting;
      const all = await Promise.all(Array.from({ length: 20 }, () => send(body, { header })));
      for (const r of all) expect(r.status).toBe(200);
      expect(all.filter((r) => r.body.duplicate === false)).toHaveLength(1);
      expect(all.every((r) => r.body.supported === true && r.body.received === true)).toBe(true);
      const rows = await archived(ev.id as string);
      expect(rows).toHaveLength(1);
      expect(await jobsFor(rows[0].id)).toHaveLength(1);
      expect((await queue.getJobCounts()).waiting - before).toBe(1);
    });

    it('answers the contract codes for bad signatures', async () => {
      const body = JSON.stringify(stripeEvent());
      const missing = await send(body, { header: null });
      expect([missing.status, missing.body.error.code]).toEqual([400, 'missing_signature']);
      const wrong = await send(body, { signWith: 'whsec_someOtherSecret' });
      expect([wrong.status, wrong.body.error.code]).toEqual([400, 'invalid_signature']);
      const stale = await send(body, { header: sign(body, SECRET, Math.floor(Date.now() / 1000) - 301) });
      expect([stale.status, stale.body.error.code]).toEqual([400, 'invalid_signature']);
      const recent = await send(body, { header: sign(body, SECRET, Math.floor(Date.now() / 1000) - 250) });
      expect(recent.status).toBe(200);
      const tampered = JSON.stringify(stripeEvent());
      const tamperedHeader = sign(tampered);
      const changed = await send(tampered.replace('ada@example.test', 'eve@example.test'), {
        header: tamperedHeader,
      });
      expect([changed.status, changed.body.error.code]).toEqual([400, 'invalid_signature']);
      const garbage = await send(body, { header: 'nonsense' });
      expect([garbage.status, garbage.body.error.code]).toEqual([400, 'invalid_signature']);
      const empty = await send('', { header: sign('x') });
      expect([empty.status, empty.body.error.code]).toEqual([400, 'invalid_signature']);
      // Nothing of these was archived.
      expect(await archived(JSON.parse(tampered).id)).toHaveLength(0);
    });

    it('accepts a header with decoy v1 values around the valid one', async () => {
      const body = JSON.stringify(stripeEvent());
      const ts = Math.floor(Date.now() / 1000);
      const real = /v1=([0-9a-f]+)/.exec(sign(body, SECRET, ts))![1];
      const decoy = (c: string) => c.repeat(64);
      const header = `t=${ts},v1=${decoy('a')},v0=${decoy('b')},v1=${real},v1=${decoy('c')}`;
      const r = await send(body, { header });
      expect(r.status).toBe(200);
      expect(r.body.duplicate).toBe(false);
      const onlyDecoys = await send(JSON.stringify(stripeEvent()), {
        header: `t=${ts},v1=${decoy('a')},v1=${decoy('d')}`,
      });
      expect(onlyDecoys.body.error.code).toBe('invalid_signature');
    });

    it('takes a pretty-printed body with escaped unicode, emoji and U+2028, and text/plain', async () => {
      const ev = stripeEvent({
        data: {
          object: {
            id: 'cus_pretty',
            object: 'customer',
            name: 'Zoë 😀 \u2028 line',
            description: 'caf\u00e9',
          },
        },
      });
      // Escape every non-ASCII character, as some serializers do, and keep a raw U+2028 too.
      const pretty = JSON.stringify(ev, null, 2).replace(
        /[\u0080-\uffff]/g,
        (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
      );
      const body = pretty.replace(
        '"object": "event"',
        '"object": "event",\n  "note": "raw \u2028 sep and 😀"',
      );
      const r = await send(body);
      expect(r.status).toBe(200);
      const [row] = await archived(ev.id as string);
      expect(Buffer.compare(row.raw_body, Buffer.from(body, 'utf8'))).toBe(0);
      expect(row.payload.data.object.name).toBe('Zoë 😀 \u2028 line');

      const plain = await send(JSON.stringify(stripeEvent()), { contentType: 'text/plain' });
      expect(plain.status).toBe(200);
      const none = await send(JSON.stringify(stripeEvent()), { contentType: null });
      expect(none.status).toBe(200);
    });

    it('archives strings holding \\u0000 and lone surrogates, raw bytes exact, the queryable copy safe', async () => {
      const ev = stripeEvent();
      const body = JSON.stringify(ev).replace(
        '"name":"Ada"',
        '"name":"A\\u0000da \\ud800 x","na\\u0000me":"\\udc00"',
      );
      const r = await send(body);
      expect(r.status).toBe(200);
      const [row] = await archived(ev.id as string);
      expect(row.raw_body.toString('utf8')).toBe(body);
      expect(row.payload.data.object.name).toBe('A\ufffdda \ufffd x');
      expect(row.payload.data.object['na\ufffdme']).toBe('\ufffd');
      // The archive hands normalization the sanitized copy.
      const loaded = await t.app.get(StripeEventArchive).loadForProcessing(row.id);
      expect((loaded!.event.data.object as { name: string }).name).toBe('A\ufffdda \ufffd x');
    });

    it('checks the integration first: unknown 404, disabled 403, before the header', async () => {
      const body = JSON.stringify(stripeEvent());
      for (const id of ['int_00000000000000000000000000', 'nope', 'int_x%27%20OR%201=1']) {
        const r = await send(body, { id, header: null });
        expect([r.status, r.body.error.code]).toEqual([404, 'not_found']);
      }
      const s = await signup(t.url);
      const c = client(t.url, s.token);
      const off = (await c.patch('/v1/settings/integrations/stripe', { signing_secret: SECRET })).body.id;
      const r1 = await send(body, { id: off, header: null });
      expect([r1.status, r1.body.error.code]).toEqual([403, 'integration_disabled']);
      const r2 = await send(body, { id: off });
      expect([r2.status, r2.body.error.code]).toEqual([403, 'integration_disabled']);
      const never = (await client(t.url, (await signup(t.url)).token).get('/v1/settings/integrations/stripe'))
        .body.id;
      const r3 = await send(body, { id: never });
      expect([r3.status, r3.body.error.code]).toEqual([403, 'integration_disabled']);
    });

    it('archives an unsupported type as unsupported and queues nothing', async () => {
      const before = (await queue.getJobCounts()).waiting;
      const ev = stripeEvent({ type: 'payout.paid', data: { object: { id: 'po_1', object: 'payout' } } });
      const r = await send(JSON.stringify(ev));
      expect(r.body).toEqual({ received: true, duplicate: false, supported: false });
      const [row] = await archived(ev.id as string);
      expect(row.status).toBe('unsupported');
      expect(await jobsFor(row.id)).toHaveLength(0);
      expect((await queue.getJobCounts()).waiting).toBe(before);
      const again = await send(JSON.stringify(ev));
      expect(again.body).toEqual({ received: true, duplicate: true, supported: false });
      // An inherited property name is not a supported type.
      const proto = await send(JSON.stringify(stripeEvent({ type: 'constructor' })));
      expect(proto.body.supported).toBe(false);
    });

    it('refuses signed bodies that are not UTF-8 JSON events with invalid_payload', async () => {
      const bad = [
        '{"id": "evt_broken", "type": ',
        '[1,2,3]',
        '"just a string"',
        JSON.stringify({ hello: 'world' }),
        JSON.stringify({ ...stripeEvent(), id: 'ch_123' }),
        JSON.stringify({ ...stripeEvent(), type: 7 }),
        JSON.stringify({ ...stripeEvent(), data: {} }),
        JSON.stringify({ ...stripeEvent(), data: { object: 'cus_1' } }),
      ];
      for (const body of bad) {
        const r = await send(body);
        expect([body, r.status, r.body.error?.code]).toEqual([body, 400, 'invalid_payload']);
      }
      // Invalid UTF-8 whose lenient decoding is what was signed: verified, then refused.
      const ev = stripeEvent();
      const raw = Buffer.concat([
        Buffer.from(JSON.stringify(ev).slice(0, -1) + ',"x":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]);
      const r = await send(raw, { header: sign(raw.toString('utf8')) });
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid_payload']);
      expect(await archived(ev.id as string)).toHaveLength(0);
    });

    it('takes 600 KiB, refuses 1.5 MiB with 413, and a 2 MiB body without the header is missing_signature', async () => {
      const big = (bytes: number) => {
        const ev = stripeEvent({ type: 'invoice.paid' });
        (ev.data as { object: Record<string, unknown> }).object = {
          id: 'in_big',
          object: 'invoice',
          lines: 'x'.repeat(bytes),
        };
        return JSON.stringify(ev);
      };
      const ok = await send(big(600 * 1024));
      expect(ok.status).toBe(200);
      const tooBig = await send(big(1.5 * 1024 * 1024));
      expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'payload_too_large']);
      const noHeader = await send(big(2 * 1024 * 1024), { header: null });
      expect([noHeader.status, noHeader.body.error.code]).toEqual([400, 'missing_signature']);
      // The API's other routes keep their own 100 KiB JSON limit.
      const other = await client(t.url, owner.token).patch('/v1/settings/integrations/stripe', {
        signing_secret: `whsec_${'a'.repeat(200 * 1024)}`,
      });
      expect([other.status, other.body.error.code]).toEqual([413, 'payload_too_large']);
    });

    it('refuses a chunked body as soon as it passes 1 MiB, without a content-length', async () => {
      const body = JSON.stringify(stripeEvent());
      const header = sign(body);
      const { port } = new URL(t.url);
      const LIMIT = 64 * 1024 * 1024;
      let sent = 0;
      const status = await new Promise<{ status: number; code: string }>((resolve, reject) => {
        let answered = false;
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: hook(integrationId),
            headers: { 'stripe-signature': header, 'transfer-encoding': 'chunked' },
          },
          (res) => {
            answered = true;
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => {
              req.destroy();
              resolve({ status: res.statusCode!, code: JSON.parse(text).error.code });
            });
          },
        );
        req.on('error', (e) => (answered ? undefined : reject(e)));
        const chunk = Buffer.alloc(64 * 1024, 'x');
        // Keep sending until the server answers: it must answer without waiting for the end.
        const pump = () => {
          while (!answered && sent < LIMIT && req.write(chunk)) sent += chunk.length;
          if (!answered && sent < LIMIT) req.once('drain', pump);
        };
        pump();
      });
      expect(sent).toBeLessThan(LIMIT);
      expect(status).toEqual({ status: 413, code: 'payload_too_large' });
    });

    it('answers a burst of 200 valid events with 2xx', async () => {
      const bodies = Array.from({ length: 200 }, () => JSON.stringify(stripeEvent()));
      const all = await Promise.all(bodies.map((b) => send(b)));
      const statuses = all.map((r) => r.status);
      expect(statuses.filter((s) => s < 200 || s >= 300)).toEqual([]);
      const ids = bodies.map((b) => JSON.parse(b).id);
      const { rows } = await t.db.query(
        `SELECT count(*)::int AS n FROM stripe_events WHERE event_id = ANY($1)`,
        [ids],
      );
      expect(rows[0].n).toBe(200);
    });
  });

  describe('archive', () => {
    it('lists newest first, filters by status, pages with cursors, scoped to the workspace', async () => {
      const c = client(t.url, owner.token);
      const first = await c.get('/v1/settings/integrations/stripe/events?limit=5');
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(5);
      expect(first.body.has_more).toBe(true);
      for (const e of first.body.data) {
        expect(Object.keys(e).sort()).toEqual([
          'contact_event_id',
          'id',
          'livemode',
          'received_at',
          'status',
          'type',
        ]);
        expect(e.id).toMatch(/^evt_/);
      }
      const times = first.body.data.map((e: { received_at: string }) => e.received_at);
      expect([...times].sort().reverse()).toEqual(times);
      const second = await c.get(
        `/v1/settings/integrations/stripe/events?limit=5&cursor=${encodeURIComponent(first.body.next_cursor)}`,
      );
      expect(second.body.data).toHaveLength(5);
      const seen = new Set(first.body.data.map((e: { id: string }) => e.id));
      for (const e of second.body.data) expect(seen.has(e.id)).toBe(false);
      expect(second.body.data[0].received_at <= times[times.length - 1]).toBe(true);

      const unsupported = await c.get('/v1/settings/integrations/stripe/events?status=unsupported&limit=100');
      expect(unsupported.body.data.length).toBeGreaterThan(0);
      expect(unsupported.body.data.every((e: { status: string }) => e.status === 'unsupported')).toBe(true);

      for (const q of ['status=done', 'limit=0', 'limit=101', 'limit=abc', 'cursor=forged', 'other=1']) {
        const r = await c.get(`/v1/settings/integrations/stripe/events?${q}`);
        expect([q, r.status, r.body.error.code]).toEqual([q, 400, 'validation_failed']);
      }
      const stranger = await signup(t.url);
      const theirs = await client(t.url, stranger.token).get('/v1/settings/integrations/stripe/events');
      expect(theirs.body).toEqual({ data: [], has_more: false, next_cursor: null });
    });

    it('gives normalization loadForProcessing, markNormalized, markUnresolved and findUnresolvedByKeys', async () => {
      const archive = t.app.get(StripeEventArchive);
      const a = stripeEvent({
        type: 'charge.dispute.created',
        data: { object: { id: 'dp_1', object: 'dispute', charge: 'ch_A1' } },
      });
      const b = stripeEvent();
      await send(JSON.stringify(a));
      await send(JSON.stringify(b));
      const [ra] = await archived(a.id as string);
      const [rb] = await archived(b.id as string);
      const loaded = await archive.loadForProcessing(ra.id);
      expect(loaded).toMatchObject({
        id: ra.id,
        workspaceId: owner.workspaceId,
        integrationId,
        eventId: a.id,
        type: 'charge.dispute.created',
        livemode: false,
        apiVersion: '2024-06-20',
        created: a.created,
        status: 'pending',
        event: { id: a.id, type: 'charge.dispute.created', data: { object: { charge: 'ch_A1' } } },
      });
      expect(loaded!.receivedAt).toBeInstanceOf(Date);
      expect(await archive.loadForProcessing('missing')).toBeNull();

      const since = new Date(Date.now() - 60_000);
      await archive.markUnresolved(owner.workspaceId, ra.id, ['ch_A1', 'ch_A1', 'pi_A1']);
      // Another workspace's id changes nothing.
      await archive.markUnresolved('ws_other', rb.id, ['ch_A1']);
      const found = await archive.findUnresolvedByKeys(owner.workspaceId, ['pi_A1', 'cus_zzz'], since);
      expect(found.map((e) => e.id)).toEqual([ra.id]);
      expect(found[0]!.status).toBe('unresolved');
      expect(await archive.findUnresolvedByKeys('ws_other', ['pi_A1'], since)).toEqual([]);
      expect(
        await archive.findUnresolvedByKeys(owner.workspaceId, ['pi_A1'], new Date(Date.now() + 60_000)),
      ).toEqual([]);
      const unresolvedList = await client(t.url, owner.token).get(
        '/v1/settings/integrations/stripe/events?status=unresolved',
      );
      expect(unresolvedList.body.data.map((e: { id: string }) => e.id)).toEqual([a.id]);

      await archive.markNormalized(owner.workspaceId, ra.id, 'cev_123');
      const after = await archive.loadForProcessing(ra.id);
      expect(after!.status).toBe('normalized');
      expect(await archive.findUnresolvedByKeys(owner.workspaceId, ['pi_A1'], since)).toEqual([]);
      // A late job cannot demote it.
      await archive.markUnresolved(owner.workspaceId, ra.id, ['ch_A1']);
      expect((await archive.loadForProcessing(ra.id))!.status).toBe('normalized');
      const list = await client(t.url, owner.token).get(
        '/v1/settings/integrations/stripe/events?status=normalized',
      );
      expect(list.body.data).toEqual([
        {
          id: a.id,
          type: 'charge.dispute.created',
          livemode: false,
          received_at: expect.any(String),
          status: 'normalized',
          contact_event_id: 'cev_123',
        },
      ]);
      expect((await archive.loadForProcessing(rb.id))!.status).toBe('pending');
    });

    it('the sweeper re-queues pending events whose job was lost, once', async () => {
      const ev = stripeEvent();
      await send(JSON.stringify(ev));
      const [row] = await archived(ev.id as string);
      const [job] = await jobsFor(row.id);
      await job!.remove();
      expect(await jobsFor(row.id)).toHaveLength(0);
      const sweeper = t.app.get(StripeNormalizationSweeper);
      // Too young: left alone.
      await sweeper.sweepOnce();
      expect(await jobsFor(row.id)).toHaveLength(0);
      await t.db.query(
        `UPDATE stripe_events SET received_at = received_at - interval '1 minute' WHERE id = $1`,
        [row.id],
      );
      expect(await sweeper.sweepOnce()).toBeGreaterThan(0);
      expect(await jobsFor(row.id)).toHaveLength(1);
      await sweeper.sweepOnce();
      expect(await jobsFor(row.id)).toHaveLength(1);
    });
  });

  describe('operations', () => {
    it('exposes the ingestion metrics', async () => {
      const r = await request(t.url, 'GET', '/metrics');
      expect(r.text).toMatch(
        /mailkatana_stripe_events_received_total\{type="customer.created",outcome="archived"\} \d+/,
      );
      expect(r.text).toMatch(
        /mailkatana_stripe_events_received_total\{type="other",outcome="unsupported"\} \d+/,
      );
      expect(r.text).toMatch(
        /mailkatana_stripe_verification_failures_total\{reason="timestamp_outside_tolerance"\} \d+/,
      );
      expect(r.text).toMatch(
        /mailkatana_stripe_verification_failures_total\{reason="signature_mismatch"\} \d+/,
      );
      expect(r.text).toMatch(
        /mailkatana_stripe_verification_failures_total\{reason="missing_signature"\} \d+/,
      );
      expect(r.text).toMatch(/mailkatana_stripe_ingest_duration_seconds_count \d+/);
    });

    it('answers 503 while Postgres is unreachable, and archives the event when Stripe retries', async () => {
      const pg = new URL(t.config.databaseUrl);
      const proxy = await createTcpProxy(Number(pg.port || 5432));
      const viaProxy = new URL(t.config.databaseUrl);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const t2 = await createTestApp({
        database: { url: viaProxy.toString() },
        env: { MAILKATANA_ROLE: 'api' },
      });
      try {
        const body = JSON.stringify(stripeEvent());
        const header = sign(body);
        const post = () =>
          request(t2.url, 'POST', hook(integrationId), undefined, {
            raw: body,
            headers: { 'stripe-signature': header },
          });
        proxy.cut();
        const down = await post();
        expect([down.status, down.body.error.code]).toEqual([503, 'service_unavailable']);
        expect(down.headers.get('retry-after')).toBeTruthy();
        proxy.restore();
        const back = await eventually(async () => {
          const r = await post();
          return r.status === 200 ? r : null;
        });
        expect(back.body).toEqual({ received: true, duplicate: false, supported: true });
        expect(await archived(JSON.parse(body).id)).toHaveLength(1);
      } finally {
        await t2.close();
        await proxy.close();
      }
    });

    it('never puts the secret, the signature header or a body in a response or a log line', () => {
      // The capture works: refusals were logged, by reason.
      // Every line the service wrote through pino (request logs and the app's own), as JSON text.
      const PINO_LEVELS: Record<number, string> = {
        10: 'trace',
        20: 'debug',
        30: 'log',
        40: 'warn',
        50: 'error',
        60: 'fatal',
      };
      logs.push(
        ...t.logs.map((l) => ({ level: PINO_LEVELS[l.level] ?? String(l.level), line: JSON.stringify(l) })),
      );
      expect(t.logs.some((l) => l.msg === 'request completed')).toBe(true);
      const refusals = logs.filter((l) => l.line.includes('stripe webhook refused'));
      expect(refusals.length).toBeGreaterThan(0);
      expect(refusals.some((l) => l.line.includes('"reason":"signature_mismatch"'))).toBe(true);
      expect(logs.some((l) => l.level === 'debug' && l.line.includes('stripe event archived'))).toBe(true);
      const haystacks = [...logs.map((l) => l.line), ...responses];
      for (const h of haystacks) {
        expect(h).not.toContain(SECRET);
        expect(h).not.toContain(SECRET.slice(6));
        expect(h).not.toContain('ada@example.test');
      }
      const signatures = new Set(
        sentHeaders.flatMap((h) => [...h.matchAll(/v1=([0-9a-f]{64})/g)].map((m) => m[1]!)),
      );
      const allLogs = logs.map((l) => l.line).join('\n');
      for (const s of signatures) expect(allLogs.includes(s)).toBe(false);
    });
  });
});
