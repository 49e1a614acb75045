import { randomUUID } from 'node:crypto';
import { newId } from '../../src/common/ids';
import {
  NewArchivedEvent,
  StripeIntegrationRepository,
} from '../../src/stripe-integration/stripe-integration.repository';
import { TestApp, createTestApp } from '../support/test-app';

/**
 * Events archived at the same moment share one INSERT. Each must come out as if alone: new ones
 * inserted with their exact bytes, repeats answered with the first row, and one that Postgres
 * refuses failing alone.
 */
describe('archiving Stripe events together (Postgres)', () => {
  let t: TestApp;
  let repo: StripeIntegrationRepository;
  beforeAll(async () => {
    t = await createTestApp({ env: { MAILKATANA_ROLE: 'api' } });
    repo = t.app.get(StripeIntegrationRepository);
  });
  afterAll(() => t.close());

  const integrationId = `int_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const event = (eventId: string, body: string, payloadJson = body): NewArchivedEvent => ({
    id: newId('sev'),
    integrationId,
    workspaceId: 'ws_grouptest',
    eventId,
    type: 'customer.created',
    livemode: false,
    apiVersion: '2024-06-20',
    stripeCreated: 1764770000,
    rawText: body,
    payloadJson,
    status: 'pending',
  });

  it('new, repeated and refused events in one statement each get their own answer', async () => {
    const first = await repo.archive(event('evt_Group0', '{"id":"evt_Group0","n":0}'));
    expect(first.inserted).toBe(true);

    const deep = `{"id":"evt_GroupDeep","m":${'['.repeat(20000)}${']'.repeat(20000)}}`;
    const pretty = '{\n  "id": "evt_Group2",\n  "name": "Zoë \u2028 🦊"\n}';
    const results = await Promise.allSettled([
      repo.archive(event('evt_Group1', '{"id":"evt_Group1","n":1}')),
      repo.archive(event('evt_Group0', '{"id":"evt_Group0","n":"a later body"}')),
      repo.archive(event('evt_GroupDeep', deep)),
      repo.archive(event('evt_Group2', pretty, '{"id":"evt_Group2","name":"sanitized"}')),
      // The same event twice in the same moment: one insert, one repeat.
      repo.archive(event('evt_Group3', '{"id":"evt_Group3","n":3}')),
      repo.archive(event('evt_Group3', '{"id":"evt_Group3","n":"the other copy"}')),
    ]);
    const [one, zeroAgain, deepOne, two, three, threeAgain] = results;
    expect(one).toMatchObject({ status: 'fulfilled', value: { inserted: true } });
    expect(zeroAgain).toMatchObject({ status: 'fulfilled', value: { inserted: false, id: first.id } });
    expect(deepOne.status).toBe('rejected');
    expect((deepOne as PromiseRejectedResult).reason.code).toBe('54001');
    expect(two).toMatchObject({ status: 'fulfilled', value: { inserted: true } });
    const threes = [three, threeAgain].map(
      (r) => (r as PromiseFulfilledResult<{ inserted: boolean; id: string }>).value,
    );
    expect(threes.map((x) => x.inserted).sort()).toEqual([false, true]);
    expect(threes[0]!.id).toBe(threes[1]!.id);

    const { rows } = await t.db.query(
      `SELECT event_id, convert_from(raw_body, 'UTF8') AS raw, payload FROM stripe_events
        WHERE integration_id = $1 ORDER BY event_id`,
      [integrationId],
    );
    expect(rows.map((r) => r.event_id)).toEqual(['evt_Group0', 'evt_Group1', 'evt_Group2', 'evt_Group3']);
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    expect(byId.get('evt_Group0')!.raw).toBe('{"id":"evt_Group0","n":0}'); // the first body wins
    expect(byId.get('evt_Group2')!.raw).toBe(pretty); // bytes exactly as received
    expect(byId.get('evt_Group2')!.payload).toEqual({ id: 'evt_Group2', name: 'sanitized' });
    expect(byId.get('evt_Group1')!.payload).toEqual({ id: 'evt_Group1', n: 1 });
  });

  it('two batches holding the same events in opposite orders do not deadlock', async () => {
    // As two processes would: each sends its own batch; one has the keys forwards, one backwards.
    const ids = Array.from({ length: 200 }, (_, i) => `evt_Order${String(i).padStart(3, '0')}`);
    const batch = (order: string[]) => order.map((id) => event(id, `{"id":"${id}"}`));
    const archiveMany = (events: NewArchivedEvent[]) =>
      (
        repo as unknown as { archiveMany(e: NewArchivedEvent[]): Promise<Array<{ inserted: boolean }>> }
      ).archiveMany(events);
    const [forwards, backwards] = await Promise.all([
      archiveMany(batch(ids)),
      archiveMany(batch([...ids].reverse())),
    ]);
    const insertedOnce = ids.map(
      (_, i) => Number(forwards[i]!.inserted) + Number(backwards[ids.length - 1 - i]!.inserted),
    );
    expect(insertedOnce.every((n) => n === 1)).toBe(true);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM stripe_events WHERE integration_id = $1 AND event_id LIKE 'evt_Order%'`,
      [integrationId],
    );
    expect(rows[0].n).toBe(200);
  });
});
