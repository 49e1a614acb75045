// Benchmark 3, end-to-end latency: Stripe request accepted → verified receipt at the receiver,
// at a steady rate (default 20 events/s for 30 s), through one `all` process.
// usage: npm run build && node bench/latency.cjs [rate=20] [seconds=30]
const {
  resetDatabase,
  flushRedis,
  startService,
  api,
  setupWorkspace,
  startReceiver,
  quantiles,
  sleep,
  PG,
} = require('./lib.cjs');
const { Client } = require('pg');
const { customerCreated, sendEvent } = require('./stripe-load.cjs');

const RATE = Number(process.argv[2] || 20);
const SECS = Number(process.argv[3] || 30);

async function phaseBreakdown(db) {
  const c = new Client({ connectionString: `${PG}/${db}` });
  await c.connect();
  const { rows } = await c.query(`
    WITH x AS (
      SELECT extract(epoch FROM (m.created_at - se.received_at)) * 1000 AS normalize,
             extract(epoch FROM (a.at - m.created_at)) * 1000 AS queue_and_lease,
             a.duration_ms AS post
        FROM stripe_events se
        JOIN webhook_messages m ON m.idempotency_key LIKE 'stripe:' || se.id || ':%'
        JOIN webhook_deliveries d ON d.message_id = m.id
        JOIN webhook_attempts a ON a.delivery_id = d.id)
    SELECT ${['normalize', 'queue_and_lease', 'post']
      .map(
        (k) =>
          `round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ${k})::numeric, 1) AS ${k}_p50, ` +
          `round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ${k})::numeric, 1) AS ${k}_p99`,
      )
      .join(', ')} FROM x`);
  await c.end();
  const r = rows[0];
  return Object.fromEntries(
    ['normalize', 'queue_and_lease', 'post'].map((k) => [k, [Number(r[`${k}_p50`]), Number(r[`${k}_p99`])]]),
  );
}

(async () => {
  await resetDatabase('mk_bench_latency');
  flushRedis();
  const sentAt = new Map();
  const lat = [];
  const receiver = await startReceiver((payload, _h, at) => {
    const t0 = sentAt.get(payload?.data?.event?.source_event_id);
    if (t0 !== undefined) lat.push(at - t0);
  });
  const svc = await startService({
    port: 3995,
    db: 'mk_bench_latency',
    env: { LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info' },
  });
  const ws = await setupWorkspace(svc.base);
  const ep = await api(
    svc.base,
    'POST',
    '/v1/webhook-endpoints',
    { url: receiver.url, status: 'active', event_types: ['stripe.customer.created'] },
    ws.token,
  );
  receiver.setSecret(ep.signing_secret);

  const total = RATE * SECS;
  let errors = 0;
  const start = performance.now();
  const inflight = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const ev = customerCreated();
    sentAt.set(ev.id, performance.now());
    inflight.push(
      sendEvent(ws.webhookUrl, ws.stripeSecret, ev).then(
        (s) => s !== 200 && errors++,
        () => errors++,
      ),
    );
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 30_000;
  while (lat.length < total && Date.now() < deadline) await sleep(50);
  await svc.stop();
  await receiver.close();
  const q = quantiles(lat);
  const phases = await phaseBreakdown('mk_bench_latency');
  const out = {
    bench: 'latency',
    rate_per_s: RATE,
    seconds: SECS,
    sent: total,
    received: q.n,
    errors,
    bad: receiver.stats.bad,
    p50_ms: q.p50,
    p99_ms: q.p99,
    // Where the time goes, from the rows' own timestamps (ms, p50/p99): archived → message
    // published (normalization), published → attempt started (queue and lease), the POST itself.
    phases,
    target: 'p50 <= 25 ms, p99 <= 100 ms',
  };
  out.met = q.p50 <= 25 && q.p99 <= 100 && q.n === total && errors === 0;
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
