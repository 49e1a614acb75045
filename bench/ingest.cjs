// Benchmark 1, ingestion: autocannon on the Stripe route (unique signed events, 20 connections,
// 10 s) against the service and, in the same run, against ../shared/bench/ceiling-ingest.cjs.
// usage: npm run build && node bench/ingest.cjs [seconds=10] [connections=20]   (BENCH_ROUNDS=3 turns)
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
  processTicks,
  ticksPer,
} = require('./lib.cjs');
const { spawn } = require('node:child_process');

const SHARED = process.env.SHARED_BENCH || path.resolve(__dirname, '..', '..', 'shared', 'bench');
const [secs = '10', conns = '20'] = process.argv.slice(2);

const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

async function ceilingRound() {
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
  return { rps: c.rps, p50_ms: c.p50_ms, p99_ms: c.p99_ms, sent: c.sent, errors: c.non2xx_or_errors };
}

async function serviceRound() {
  // The api role: ingestion only, as the ceiling (it queues and does not normalize).
  await resetDatabase('mk_bench_ingest');
  flushRedis();
  const svc = await startService({
    port: 3998,
    db: 'mk_bench_ingest',
    env: { MAILKATANA_ROLE: 'api', LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info' },
  });
  const ws = await setupWorkspace(svc.base);
  const t0 = processTicks({ service: svc.child.pid });
  const s = lastJsonLine(
    await runNode([path.join(SHARED, 'load-ingest.cjs'), ws.webhookUrl, ws.stripeSecret, secs, conns]),
  );
  const t1 = processTicks({ service: svc.child.pid });
  await svc.stop();
  return {
    rps: s.rps,
    p50_ms: s.p50_ms,
    p99_ms: s.p99_ms,
    sent: s.sent,
    errors: s.non2xx_or_errors,
    // CPU ms per request by process group during the load ('other' includes the load generator).
    cpu_ms_per_request: ticksPer(t0, t1, s.sent),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const r2 = (x) => Math.round(x * 100) / 100;

(async () => {
  // The machine drifts over minutes: ceiling and service take turns, each pair is read as its own
  // ratios, and the figures are the median round's (by rps ratio).
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const ceiling = await ceilingRound();
    const service = await serviceRound();
    rounds.push({
      service,
      ceiling,
      rps_ratio: r2(service.rps / ceiling.rps),
      p99_ratio: r2(service.p99_ms / ceiling.p99_ms),
    });
    if (ROUNDS > 1) console.error(JSON.stringify({ round: i + 1, ...rounds[i] }));
  }
  const mid = rounds.find((r) => r.rps_ratio === median(rounds.map((x) => x.rps_ratio)));
  const out = {
    bench: 'ingest',
    connections: Number(conns),
    seconds: Number(secs),
    rounds: ROUNDS,
    service: mid.service,
    ceiling: mid.ceiling,
    rps_ratio: median(rounds.map((x) => x.rps_ratio)),
    p99_ratio: median(rounds.map((x) => x.p99_ratio)),
    rps_ratios: rounds.map((x) => x.rps_ratio),
    p99_ratios: rounds.map((x) => x.p99_ratio),
    errors: rounds.reduce((n, x) => n + x.service.errors, 0),
    target: 'median rps_ratio >= 0.85, median p99_ratio <= 1.25, errors = 0',
  };
  out.met = out.rps_ratio >= 0.85 && out.p99_ratio <= 1.25 && out.errors === 0;
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
