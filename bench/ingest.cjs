// Benchmark 1, ingestion: autocannon on the Stripe route (unique signed events, 20 connections,
// 10 s) against the service and, in the same run, against ../shared/bench/ceiling-ingest.cjs.
// usage: npm run build && node bench/ingest.cjs [seconds=10] [connections=20]
const path = require('node:path');
const {
  ensureDatabase,
  resetDatabase,
  flushRedis,
  startService,
  setupWorkspace,
  runNode,
  lastJsonLine,
  sleep,
} = require('./lib.cjs');
const { spawn } = require('node:child_process');

const SHARED = process.env.SHARED_BENCH || path.resolve(__dirname, '..', '..', 'shared', 'bench');
const [secs = '10', conns = '20'] = process.argv.slice(2);

(async () => {
  // The ceiling first.
  await ensureDatabase('mk_ceiling');
  flushRedis('redis://127.0.0.1:6379/0');
  const ceiling = spawn(process.execPath, [path.join(SHARED, 'ceiling-ingest.cjs')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: '3999' },
  });
  await new Promise((r) => ceiling.stdout.once('data', r));
  const c = lastJsonLine(
    await runNode([
      path.join(SHARED, 'load-ingest.cjs'),
      'http://127.0.0.1:3999/v1/integrations/stripe/webhook/int_bench',
      'whsec_benchsecret',
      secs,
      conns,
    ]),
  );
  ceiling.kill('SIGTERM');
  await sleep(500);

  // The service, in the api role (ingestion only, as the ceiling: it queues and does not normalize).
  await resetDatabase('mk_bench_ingest');
  flushRedis();
  const svc = await startService({
    port: 3998,
    db: 'mk_bench_ingest',
    env: { MAILKATANA_ROLE: 'api', LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info' },
  });
  const ws = await setupWorkspace(svc.base);
  const s = lastJsonLine(
    await runNode([path.join(SHARED, 'load-ingest.cjs'), ws.webhookUrl, ws.stripeSecret, secs, conns]),
  );
  await svc.stop();

  const out = {
    bench: 'ingest',
    connections: Number(conns),
    seconds: Number(secs),
    service: { rps: s.rps, p50_ms: s.p50_ms, p99_ms: s.p99_ms, sent: s.sent, errors: s.non2xx_or_errors },
    ceiling: { rps: c.rps, p50_ms: c.p50_ms, p99_ms: c.p99_ms, sent: c.sent, errors: c.non2xx_or_errors },
    rps_ratio: Math.round((s.rps / c.rps) * 100) / 100,
    p99_ratio: Math.round((s.p99_ms / c.p99_ms) * 100) / 100,
    target: 'rps_ratio >= 0.85, p99_ratio <= 1.25, errors = 0',
  };
  out.met = out.rps_ratio >= 0.85 && out.p99_ratio <= 1.25 && s.non2xx_or_errors === 0;
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
