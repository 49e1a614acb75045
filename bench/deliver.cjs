// Benchmark 2, delivery drain: N deliveries recorded and queued before any worker runs, then
// drained by one worker process (concurrency C, WEBHOOK_ENDPOINT_CONCURRENCY=C) to one loopback
// receiver that verifies each with standardwebhooks; against ../shared/bench/ceiling-deliver.cjs
// with the same N and C in the same run.
// usage: npm run build && node bench/deliver.cjs [N=5000] [C=50]   (BENCH_ROUNDS=3 ceiling/service turns)
const path = require('node:path');
const {
  cpuSeconds,
  machineTicks,
  processTicks,
  ticksPer,
  resetDatabase,
  vacuumAnalyze,
  ensureDatabase,
  flushRedis,
  startService,
  api,
  startReceiver,
  runNode,
  lastJsonLine,
  sleep,
  PG,
  REDIS_URL,
  SECRETS_KEY,
} = require('./lib.cjs');

const SHARED = process.env.SHARED_BENCH || path.resolve(__dirname, '..', '..', 'shared', 'bench');
const N = Number(process.argv[2] || 5000);
const C = Number(process.argv[3] || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);

async function serviceRound() {
  await resetDatabase('mk_bench_deliver');
  flushRedis();
  let first = 0;
  let last = 0;
  const receiver = await startReceiver((_p, _h, at) => {
    if (!first) first = at;
    last = at;
  });

  // 1. The backlog: an api-role process (no workers) records and queues N deliveries.
  const env = {
    WEBHOOK_ENDPOINT_CONCURRENCY: String(C),
    WEBHOOK_WORKER_CONCURRENCY: process.env.WORKER_C || String(C),
  };
  const api1 = await startService({
    port: 3997,
    db: 'mk_bench_deliver',
    env: { ...env, MAILKATANA_ROLE: 'api' },
  });
  const s = await api(api1.base, 'POST', '/v1/auth/signup', {
    email: `bench.${Date.now()}@example.test`,
    password: 'bench password not secret',
    workspace_name: 'Bench',
  });
  const ep = await api(
    api1.base,
    'POST',
    '/v1/webhook-endpoints',
    { url: receiver.url, status: 'active' },
    s.session.token,
  );
  receiver.setSecret(ep.signing_secret);
  await api1.stop();

  const { NestFactory } = require('@nestjs/core');
  const { AppModule } = require(path.resolve(__dirname, '../dist/src/app.module'));
  const { loadConfig } = require(path.resolve(__dirname, '../dist/src/config/app-config'));
  const { WebhookPublisher } = require(
    path.resolve(__dirname, '../dist/src/delivery/webhook-publisher.service'),
  );
  const config = loadConfig({
    NODE_ENV: 'production',
    SECRETS_KEY,
    DATABASE_URL: `${PG}/mk_bench_deliver`,
    REDIS_URL,
    MAILKATANA_ROLE: 'api',
    LOG_LEVEL: 'warn',
    WEBHOOK_ALLOW_HTTP_URLS: 'true',
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    ...env,
  });
  const ctx = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger: false });
  await ctx.init();
  const publisher = ctx.get(WebhookPublisher);
  for (let i = 0; i < N; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, N - i) }, (_, j) =>
        publisher.publish({
          workspaceId: s.workspace.id,
          type: 'contact.created',
          data: {
            workspace_id: s.workspace.id,
            contact: { id: `con_${i + j}`, email: `p${i + j}@example.test` },
          },
          idempotencyKey: `bench:${i + j}`,
        }),
      ),
    );
  }
  await ctx.close();

  // Settle what autovacuum would do to the fresh backlog now, not during either measurement.
  await vacuumAnalyze('mk_bench_deliver');
  // The ceiling runs now, right before the drain, so both see the machine as it is.
  const ceiling = await ceilingRound();

  // 2. One worker drains it.
  const worker = await startService({
    port: 3996,
    db: 'mk_bench_deliver',
    env: { ...env, MAILKATANA_ROLE: 'worker', LOG_LEVEL: 'warn' },
  });
  const deadline = Date.now() + 300_000;
  while (!first && Date.now() < deadline) await sleep(5);
  const cpu0 = cpuSeconds(worker.child.pid);
  const m0 = machineTicks();
  const p0 = processTicks({ worker: worker.child.pid, bench: process.pid });
  const v0 = receiver.stats.verified;
  while (receiver.stats.verified + receiver.stats.bad < N && Date.now() < deadline) await sleep(20);
  const workerCpu = cpuSeconds(worker.child.pid) - cpu0;
  const m1 = machineTicks();
  const p1 = processTicks({ worker: worker.child.pid, bench: process.pid });
  const v1 = receiver.stats.verified;
  await worker.stop();
  await receiver.close();

  // From the first receipt to the last (the worker's boot is not part of the drain).
  const rate = Math.round(((receiver.stats.verified - 1) / (last - first)) * 1000);
  const out = {
    service: {
      drain_deliveries_per_s: rate,
      verified: receiver.stats.verified,
      bad: receiver.stats.bad,
      worker_cpu_ms_per_delivery: Math.round((workerCpu * 1000 * 100) / N) / 100,
      machine_busy: Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100) / 100,
      // CPU ms per delivery by process group during the drain (bench = the verifying receiver).
      cpu_ms_per_delivery: ticksPer(p0, p1, v1 - v0),
    },
  };
  return { ...out, ceiling };
}

async function ceilingRound() {
  const c = lastJsonLine(await runNode([path.join(SHARED, 'ceiling-deliver.cjs'), String(N), String(C)]));
  return { drain_deliveries_per_s: c.drain_deliveries_per_s, p50_ms: c.p50_ms, p99_ms: c.p99_ms };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  await ensureDatabase('mk_ceiling');
  // The machine drifts over minutes, so ceiling and service take turns, and each round is read
  // as its own ratio; the figure is the median round.
  const rounds = [];
  for (let i = 0; i < ROUNDS; i++) {
    const { service, ceiling } = await serviceRound();
    const ratio = Math.round((service.drain_deliveries_per_s / ceiling.drain_deliveries_per_s) * 100) / 100;
    rounds.push({ service, ceiling, ratio });
    if (ROUNDS > 1) console.error(JSON.stringify({ round: i + 1, ...rounds[i] }));
  }
  const mid = rounds.find((r) => r.ratio === median(rounds.map((x) => x.ratio)));
  const out = {
    bench: 'deliver',
    n: N,
    concurrency: C,
    rounds: ROUNDS,
    service: mid.service,
    ceiling: mid.ceiling,
    ratio: mid.ratio,
    ratios: rounds.map((r) => r.ratio),
    target: 'median ratio >= 0.75',
  };
  out.met = out.ratio >= 0.75 && rounds.every((r) => r.service.verified === N && r.service.bad === 0);
  console.log(JSON.stringify(out));
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
