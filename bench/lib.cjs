// Shared pieces of the benchmarks: start the built service as a child process, talk to its API,
// run a verifying receiver on loopback, and read figures. Run from the project's root after `npm run build`.
const { spawn, execFileSync } = require('node:child_process');
const http = require('node:http');
const crypto = require('node:crypto');
const { readFileSync } = require('node:fs');
const { Client } = require('pg');
const { Webhook } = require('standardwebhooks');

const PG = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432';
const REDIS_URL = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379/9';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function resetDatabase(name) {
  const c = new Client({ connectionString: `${PG}/postgres` });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
}

async function vacuumAnalyze(name) {
  const c = new Client({ connectionString: `${PG}/${name}` });
  await c.connect();
  await c.query('VACUUM (ANALYZE)');
  await c.end();
}

async function ensureDatabase(name) {
  const c = new Client({ connectionString: `${PG}/postgres` });
  await c.connect();
  const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!rowCount) await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
}

function flushRedis(url = REDIS_URL) {
  const u = new URL(url);
  execFileSync('redis-cli', [
    '-h',
    u.hostname,
    '-p',
    u.port || '6379',
    '-n',
    u.pathname.slice(1) || '0',
    'FLUSHDB',
  ]);
}

function redisKeys(url = REDIS_URL) {
  const u = new URL(url);
  return Number(
    execFileSync('redis-cli', [
      '-h',
      u.hostname,
      '-p',
      u.port || '6379',
      '-n',
      u.pathname.slice(1) || '0',
      'DBSIZE',
    ])
      .toString()
      .trim(),
  );
}

const SECRETS_KEY = crypto.randomBytes(32).toString('base64');

// Children never outlive the benchmark, whichever way it ends.
const children = new Set();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts `node dist/src/main.js` with the given environment; resolves once /health answers 200. */
async function startService({ port, db, env = {}, quiet = true }) {
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []), 'dist/src/main.js'],
    {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        SECRETS_KEY,
        DATABASE_URL: `${PG}/${db}`,
        REDIS_URL,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        AUTH_SIGNUP_LIMIT_PER_HOUR: '0',
        WEBHOOK_ALLOW_HTTP_URLS: 'true',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        ...env,
      },
      stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'],
    },
  );
  children.add(child);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/health`);
      if (r.status === 200) return { child, base, stop: () => stopChild(child) };
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error('service did not become healthy');
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10000).unref();
  });
}

async function api(base, method, path, body, token) {
  const r = await fetch(base + path, {
    method,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Signs up, enables Stripe with a fresh secret; returns token, webhook URL and secret. */
async function setupWorkspace(base) {
  const s = await api(base, 'POST', '/v1/auth/signup', {
    email: `bench.${Date.now()}.${crypto.randomBytes(3).toString('hex')}@example.test`,
    password: 'bench password not secret',
    workspace_name: 'Bench',
  });
  const token = s.session.token;
  const stripeSecret = 'whsec_' + crypto.randomBytes(24).toString('base64');
  const integ = await api(
    base,
    'PATCH',
    '/v1/settings/integrations/stripe',
    { enabled: true, signing_secret: stripeSecret },
    token,
  );
  return { token, workspaceId: s.workspace.id, webhookUrl: integ.webhook_url, stripeSecret };
}

/** A loopback receiver that verifies every delivery with standardwebhooks and records when each arrived. */
async function startReceiver(onVerified = () => {}) {
  let verifier = null;
  const stats = { verified: 0, bad: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      try {
        const payload = verifier.verify(body, req.headers);
        stats.verified++;
        onVerified(payload, req.headers, performance.now());
      } catch {
        stats.bad++;
      }
      res.writeHead(200).end('ok');
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    stats,
    setSecret: (s) => (verifier = new Webhook(s)),
    close: () => new Promise((r) => server.close(r)),
  };
}

function quantiles(values) {
  const v = [...values].sort((a, b) => a - b);
  const q = (p) =>
    v.length ? Math.round(v[Math.min(v.length - 1, Math.floor(v.length * p))] * 10) / 10 : null;
  return { p50: q(0.5), p99: q(0.99), n: v.length };
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

function runNode(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** The machine's busy and total CPU ticks, from /proc/stat: busy share = Δbusy / Δtotal. */
function machineTicks() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + v[4];
  const total = v.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * CPU ticks of every process, grouped: postgres, redis, and each named pid (the service, this
 * process). Δ of two snapshots says who spent the machine's time during a phase.
 */
function processTicks(named = {}) {
  const { readdirSync } = require('node:fs');
  const out = { postgres: 0, redis: 0, other: 0 };
  for (const k of Object.keys(named)) out[k] = 0;
  const byPid = new Map(Object.entries(named).map(([k, pid]) => [String(pid), k]));
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const group = byPid.get(pid) ?? (comm === 'postgres' ? 'postgres' : comm.startsWith('redis') ? 'redis' : 'other');
    out[group] += ticks;
  }
  return out;
}

/** ms of CPU per unit of work, per group, between two processTicks() snapshots. */
function ticksPer(a, b, units) {
  const out = {};
  for (const k of Object.keys(b)) out[k] = Math.round((((b[k] - (a[k] ?? 0)) * 10) / units) * 100) / 100;
  return out;
}

const lastJsonLine = (out) =>
  JSON.parse(
    out
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );

module.exports = {
  PG,
  REDIS_URL,
  sleep,
  resetDatabase,
  vacuumAnalyze,
  ensureDatabase,
  flushRedis,
  redisKeys,
  startService,
  api,
  setupWorkspace,
  startReceiver,
  quantiles,
  rssMb,
  runNode,
  lastJsonLine,
  SECRETS_KEY,
  cpuSeconds,
  machineTicks,
  processTicks,
  ticksPer,
};
