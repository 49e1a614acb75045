import { randomUUID } from 'node:crypto';
import { DeliveryRepository } from '../../src/delivery/delivery.repository';
import { WebhookPublisher } from '../../src/delivery/webhook-publisher.service';
import { client, signup } from '../support/http';
import { TestApp, createTestApp } from '../support/test-app';

/**
 * Leases asked for, and successes recorded, at the same moment share one statement each (group
 * commit). Each must still land as if alone: one runner per delivery, its own attempt row, its
 * own delivery made succeeded, a taken-over lease honoured.
 */
describe('leases and successes taken together (Postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // api role: no worker takes the deliveries, the test plays the runner.
    t = await createTestApp({ env: { MAILKATANA_ROLE: 'api' } });
  });
  afterAll(() => t.close());

  async function leasedDeliveries(n: number) {
    const s = await signup(t.url);
    const ep = await client(t.url, s.token).post('/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/in',
      status: 'active',
    });
    expect(ep.status).toBe(201);
    const publisher = t.app.get(WebhookPublisher);
    const repo = t.app.get(DeliveryRepository);
    const leased = [];
    for (let i = 0; i < n; i++) {
      const pub = await publisher.publish({
        workspaceId: s.workspaceId,
        type: 'testing.testEvent',
        data: { i },
        idempotencyKey: `batch-${randomUUID()}`,
      });
      const token = randomUUID();
      const d = await repo.leaseScheduled(s.workspaceId, pub.deliveryIds[0]!, 0, 60_000, token);
      expect(d).not.toBeNull();
      leased.push({ d: d!, token });
    }
    return { s, repo, leased };
  }

  const ok = (ms: number) => ({
    at: new Date(),
    statusCode: 204,
    durationMs: ms,
    responseExcerpt: `ok ${ms}`,
    error: null,
  });

  it('leases asked for at once: each delivery leased once, to one runner, with its own body', async () => {
    const s = await signup(t.url);
    const ep = await client(t.url, s.token).post('/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/in',
      status: 'active',
    });
    const publisher = t.app.get(WebhookPublisher);
    const repo = t.app.get(DeliveryRepository);
    const pubs = [];
    for (let i = 0; i < 10; i++) {
      pubs.push(
        await publisher.publish({
          workspaceId: s.workspaceId,
          type: 'testing.testEvent',
          data: { i },
          idempotencyKey: `lease-${randomUUID()}`,
        }),
      );
    }
    // Every delivery asked for by three runners at once (a duplicate job, a rescue), plus one at
    // a schedule step it is not at and one in another workspace's name.
    const asks = pubs.flatMap((p) => [0, 1, 2].map(() => ({ id: p.deliveryIds[0]!, token: randomUUID() })));
    const [got, wrongStep, otherWorkspace] = await Promise.all([
      Promise.all(asks.map((a) => repo.leaseScheduled(s.workspaceId, a.id, 0, 60_000, a.token))),
      repo.leaseScheduled(s.workspaceId, pubs[0]!.deliveryIds[0]!, 3, 60_000, randomUUID()),
      repo.leaseScheduled('ws_someone_else', pubs[1]!.deliveryIds[0]!, null, 60_000, randomUUID()),
    ]);
    expect(wrongStep).toBeNull();
    expect(otherWorkspace).toBeNull();
    pubs.forEach((p, i) => {
      const winners = got.filter((g) => g?.id === p.deliveryIds[0]);
      expect(winners).toHaveLength(1);
      expect(JSON.parse(winners[0]!.body).data).toEqual({ i });
      expect(winners[0]!.endpoint).toMatchObject({ id: ep.body.id, status: 'active' });
    });
    const { rows } = await t.db.query(
      `SELECT id, lease_token FROM webhook_deliveries WHERE workspace_id = $1`,
      [s.workspaceId],
    );
    for (const r of rows) {
      const winner = got.find((g) => g?.id === r.id)!;
      const ask = asks[got.indexOf(winner)]!;
      expect(r.lease_token).toBe(ask.token);
    }
  });

  it('30 successes at once: one attempt row and one succeeded delivery each', async () => {
    const { s, repo, leased } = await leasedDeliveries(30);
    const outcomes = await Promise.all(
      leased.map(({ d, token }, i) => repo.recordScheduled(s.workspaceId, d.id, token, ok(i), null)),
    );
    expect(outcomes.every((o) => o.status === 'succeeded' && o.next === null)).toBe(true);
    const { rows } = await t.db.query(
      `SELECT d.id, d.status, d.attempt_count, d.retry_step, d.lease_token, d.next_attempt_at,
              array_agg(a.duration_ms) AS durations, array_agg(a.response_excerpt) AS excerpts
         FROM webhook_deliveries d JOIN webhook_attempts a ON a.delivery_id = d.id
        WHERE d.workspace_id = $1 GROUP BY d.id`,
      [s.workspaceId],
    );
    expect(rows).toHaveLength(30);
    for (const r of rows) {
      const i = leased.findIndex((l) => l.d.id === r.id);
      expect(r).toMatchObject({
        status: 'succeeded',
        attempt_count: 1,
        retry_step: 1,
        lease_token: null,
        next_attempt_at: null,
        durations: [i],
        excerpts: [`ok ${i}`],
      });
    }
  });

  it('a runner whose lease was taken over still counts its success, and leaves the new lease alone', async () => {
    const { s, repo, leased } = await leasedDeliveries(3);
    const [stale, fresh, other] = leased;
    await t.db.query(`UPDATE webhook_deliveries SET lease_token = 'taken-over' WHERE id = $1`, [stale!.d.id]);
    await Promise.all([
      repo.recordScheduled(s.workspaceId, stale!.d.id, stale!.token, ok(1), null),
      repo.recordScheduled(s.workspaceId, fresh!.d.id, fresh!.token, ok(2), null),
      repo.recordScheduled(s.workspaceId, other!.d.id, other!.token, ok(3), null),
    ]);
    const { rows } = await t.db.query(
      `SELECT id, status, attempt_count, retry_step, lease_token FROM webhook_deliveries WHERE workspace_id = $1 ORDER BY id`,
      [s.workspaceId],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(stale!.d.id)).toMatchObject({
      status: 'succeeded',
      attempt_count: 1,
      retry_step: 0,
      lease_token: 'taken-over',
    });
    expect(byId.get(fresh!.d.id)).toMatchObject({ status: 'succeeded', retry_step: 1, lease_token: null });
  });

  it('one delivery that cannot be recorded fails alone; the others in its batch land', async () => {
    const { s, repo, leased } = await leasedDeliveries(4);
    // A delivery id with no row: its attempt has no delivery to belong to, so that item's write
    // fails on the foreign key, and with it the shared statement.
    const results = await Promise.allSettled(
      leased.map(({ d, token }, i) =>
        repo.recordScheduled(s.workspaceId, i === 2 ? 'dlv_missing' : d.id, token, ok(i), null),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM webhook_deliveries WHERE workspace_id = $1 AND status = 'succeeded'`,
      [s.workspaceId],
    );
    expect(rows[0].n).toBe(3);
  });

  it('two lease batches holding the same deliveries in opposite orders do not deadlock', async () => {
    const s = await signup(t.url);
    await client(t.url, s.token).post('/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/in',
      status: 'active',
    });
    const publisher = t.app.get(WebhookPublisher);
    const pubs = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        publisher.publish({
          workspaceId: s.workspaceId,
          type: 'testing.testEvent',
          data: { i },
          idempotencyKey: `order-${randomUUID()}`,
        }),
      ),
    );
    const ids = pubs.map((p) => p.deliveryIds[0]!);
    // As two processes would: each sends its own batch, one forwards and one backwards.
    type Req = {
      workspaceId: string;
      deliveryId: string;
      step: number | null;
      leaseMs: number;
      token: string;
    };
    const leaseMany = (reqs: Req[]) =>
      (
        t.app.get(DeliveryRepository) as unknown as { leaseMany(r: Req[]): Promise<Array<unknown>> }
      ).leaseMany(reqs);
    const reqs = (order: string[]) =>
      order.map((deliveryId) => ({
        workspaceId: s.workspaceId,
        deliveryId,
        step: 0,
        leaseMs: 60_000,
        token: randomUUID(),
      }));
    const [forwards, backwards] = await Promise.all([
      leaseMany(reqs(ids)),
      leaseMany(reqs([...ids].reverse())),
    ]);
    const won = ids.map(
      (_, i) => Number(forwards[i] !== null) + Number(backwards[ids.length - 1 - i] !== null),
    );
    expect(won.every((n) => n === 1)).toBe(true);
  });

  it('never waits on a delivery row another transaction holds, so the endpoint it reads is current', async () => {
    const s = await signup(t.url);
    const api = client(t.url, s.token);
    const ep = await api.post('/v1/webhook-endpoints', {
      url: 'https://old.example.com/hook',
      status: 'active',
    });
    const pub = await t.app.get(WebhookPublisher).publish({
      workspaceId: s.workspaceId,
      type: 'testing.testEvent',
      data: {},
      idempotencyKey: `held-${randomUUID()}`,
    });
    const id = pub.deliveryIds[0]!;
    const repo = t.app.get(DeliveryRepository);
    // Someone holds the row (as a duplicate job's lease would) while the endpoint changes.
    const holder = await t.db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM webhook_deliveries WHERE id = $1 FOR UPDATE', [id]);
      const meanwhile = repo.leaseScheduled(s.workspaceId, id, 0, 60_000, randomUUID());
      const outcome = await Promise.race([
        meanwhile.then((leased) => ({ leased })),
        new Promise<'waited'>((r) => setTimeout(() => r('waited'), 2_000)),
      ]);
      if (outcome === 'waited') await holder.query('COMMIT'); // let it finish before failing
      expect(outcome).toEqual({ leased: null }); // skipped, not waited for
      expect(
        (await api.patch(`/v1/webhook-endpoints/${ep.body.id}`, { url: 'https://new.example.com/hook' }))
          .status,
      ).toBe(200);
      await holder.query('COMMIT').catch(() => undefined);
    } finally {
      holder.release();
    }
    const leased = await repo.leaseScheduled(s.workspaceId, id, 0, 60_000, randomUUID());
    expect(leased!.endpoint!.url).toBe('https://new.example.com/hook');
  });
});
