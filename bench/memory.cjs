// Benchmark 4, memory: 50,000 deliveries through one `all` process (25,000 customer.created
// events, each making contact.created + stripe.customer.created): RSS and Redis key count at 10k
// and at 50k deliveries.
// usage: npm run build && node bench/memory.cjs [deliveries=50000]
const {
  resetDatabase,
  flushRedis,
  startService,
  api,
  setupWorkspace,
  startReceiver,
  rssMb,
  redisKeys,
  sleep,
} = require('./lib.cjs');
const { customerCreated, sendEvent } = require('./stripe-load.cjs');

const TOTAL = Number(process.argv[2] || 50000);
const INFLIGHT = 20;

(async () => {
  await resetDatabase('mk_bench_memory');
  flushRedis();
  const receiver = await startReceiver();
  const svc = await startService({ port: 3994, db: 'mk_bench_memory', env: { LOG_LEVEL: 'warn' } });
  const ws = await setupWorkspace(svc.base);
  const ep = await api(
    svc.base,
    'POST',
    '/v1/webhook-endpoints',
    { url: receiver.url, status: 'active' },
    ws.token,
  );
  receiver.setSecret(ep.signing_secret);

  const samples = [];
  const marks = [10000, 20000, 30000, 40000, TOTAL];
  let errors = 0;
  let sent = 0;
  const events = TOTAL / 2;
  const sender = async () => {
    while (sent < events) {
      sent++;
      // Keep the backlog bounded, so the figures are of a steady flow, not of a pile-up.
      while (sent * 2 - receiver.stats.verified > 2000) await sleep(20);
      const s = await sendEvent(ws.webhookUrl, ws.stripeSecret, customerCreated()).catch(() => 0);
      if (s !== 200) errors++;
    }
  };
  const senders = Promise.all(Array.from({ length: INFLIGHT }, sender));
  const deadline = Date.now() + 900_000;
  while (marks.length && Date.now() < deadline) {
    if (receiver.stats.verified >= marks[0]) {
      samples.push({ deliveries: marks.shift(), rss_mb: rssMb(svc.child.pid), redis_keys: redisKeys() });
    }
    await sleep(100);
  }
  await senders;
  await sleep(2000);
  samples.push({
    deliveries: receiver.stats.verified,
    settled: true,
    rss_mb: rssMb(svc.child.pid),
    redis_keys: redisKeys(),
  });
  await svc.stop();
  await receiver.close();
  const at10k = samples.find((s) => s.deliveries === 10000);
  const atEnd = samples.find((s) => s.deliveries === TOTAL);
  const out = {
    bench: 'memory',
    deliveries: receiver.stats.verified,
    errors,
    bad: receiver.stats.bad,
    samples,
    target: 'RSS <= 250 MB and not growing; Redis keys flat',
  };
  out.met =
    !!at10k &&
    !!atEnd &&
    atEnd.rss_mb <= 250 &&
    atEnd.rss_mb <= at10k.rss_mb * 1.15 &&
    atEnd.redis_keys <= at10k.redis_keys + 50;
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
