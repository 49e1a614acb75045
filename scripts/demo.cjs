#!/usr/bin/env node
// A guided run of the main job against a running service: Stripe events in, contacts and contact
// events made, signed deliveries verified by a receiver on this machine.
// usage: WEBHOOK_ALLOW_HTTP_URLS=true WEBHOOK_ALLOW_PRIVATE_URLS=true npm start   (in one terminal)
//        npm run demo                                                              (in another)
// BASE_URL (default http://localhost:3000) names the service.
const http = require('node:http');
const crypto = require('node:crypto');
const Stripe = require('stripe');
const { Webhook } = require('standardwebhooks');

const BASE = (process.env.BASE_URL || 'http://localhost:3000').replace(/\/$/, '');
const stripe = new (Stripe.default || Stripe)('sk_test_demo');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const step = (n, s) => console.log(`\n${n}. ${s}`);
const line = (s) => console.log(`   ${s}`);

async function api(method, path, body, token) {
  const r = await fetch(BASE + path, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  const json = text ? JSON.parse(text) : undefined;
  if (r.status >= 400) {
    const e = new Error(`${method} ${path} answered ${r.status}: ${json?.error?.message ?? text}`);
    e.status = r.status;
    e.body = json;
    throw e;
  }
  return json;
}

(async () => {
  try {
    await fetch(`${BASE}/health`);
  } catch {
    console.error(`No service answers at ${BASE}. Start it first: WEBHOOK_ALLOW_HTTP_URLS=true WEBHOOK_ALLOW_PRIVATE_URLS=true npm start`);
    process.exit(1);
  }
  console.log(`MailKatana Webhooks demo against ${BASE}`);

  step(1, 'Sign up (a new user and workspace; the bearer token is the session)');
  const run = crypto.randomBytes(3).toString('hex');
  const s = await api('POST', '/v1/auth/signup', { email: `demo.${run}@example.test`, password: 'demo password, made up', workspace_name: `Demo ${run}` });
  const token = s.session.token;
  line(`user ${s.user.id} (${s.user.email}), workspace ${s.workspace.id}, role ${s.role}`);

  step(2, 'Start a receiver on 127.0.0.1 and point an active endpoint at it');
  const received = [];
  let verifier = null;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const payload = verifier.verify(Buffer.concat(chunks).toString(), req.headers);
        received.push({ id: req.headers['webhook-id'], payload });
        line(`✓ delivery ${req.headers['webhook-id']} ${payload.type} — signature verified with standardwebhooks`);
        res.writeHead(204).end();
      } catch (e) {
        line(`✗ a delivery failed verification: ${e.message}`);
        res.writeHead(400).end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${server.address().port}/hooks`;
  let ep;
  try {
    ep = await api('POST', '/v1/webhook-endpoints', { url: hookUrl, status: 'active', description: 'demo receiver' }, token);
  } catch (e) {
    if (e.status === 400) {
      console.error(`\nThe service refused ${hookUrl} (${e.message}).\nA receiver on this machine needs the service started with WEBHOOK_ALLOW_HTTP_URLS=true WEBHOOK_ALLOW_PRIVATE_URLS=true.`);
      process.exit(1);
    }
    throw e;
  }
  verifier = new Webhook(ep.signing_secret);
  line(`endpoint ${ep.id} → ${ep.url} (${ep.status}, event_types ${JSON.stringify(ep.event_types)})`);
  line(`its signing secret (shown once): ${ep.signing_secret.slice(0, 10)}…`);

  step(3, 'Connect Stripe: a signing secret, enabled');
  const secret = `whsec_demo${crypto.randomBytes(16).toString('hex')}`;
  const integ = await api('PATCH', '/v1/settings/integrations/stripe', { enabled: true, signing_secret: secret }, token);
  line(`Stripe would call ${integ.webhook_url}`);
  line(`${integ.supported_events.length} supported event types`);

  step(4, 'Stripe sends events (signed over the raw bytes with Stripe-Signature)');
  const now = Math.floor(Date.now() / 1000);
  const cus = `cus_Demo${run}`;
  const ev = (type, object, dt, extra = {}) => ({
    id: `evt_Demo${run}${crypto.randomBytes(4).toString('hex')}`, object: 'event', api_version: '2024-06-20', created: now + dt,
    livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object, ...extra },
  });
  const events = [
    ev('customer.subscription.created', { id: `sub_Demo${run}`, object: 'subscription', customer: cus, status: 'trialing', cancel_at_period_end: false, current_period_end: now + 86400 * 14, trial_end: now + 86400 * 14, canceled_at: null, items: { object: 'list', data: [{ id: `si_Demo${run}`, price: { id: 'price_DemoPro' } }] } }, 0),
    ev('customer.created', { id: cus, object: 'customer', email: ` Grace.${run}@Example.test `, name: 'Grace Hopper', created: now }, 1),
    ev('invoice.paid', { id: `in_Demo${run}`, object: 'invoice', customer: cus, customer_email: `grace.${run}@example.test`, number: 'DEMO-0001', status: 'paid', amount_due: 4900, amount_paid: 4900, currency: 'USD', subscription: `sub_Demo${run}`, charge: `ch_Demo${run}`, payment_intent: `pi_Demo${run}`, hosted_invoice_url: 'https://invoice.example.test/demo', attempt_count: 1, next_payment_attempt: null }, 2),
    ev('charge.dispute.created', { id: `dp_Demo${run}`, object: 'dispute', charge: `ch_Demo${run}`, payment_intent: null, amount: 4900, currency: 'usd', reason: 'fraudulent', status: 'needs_response', evidence: { customer_email_address: null } }, 3),
    ev('payout.paid', { id: `po_Demo${run}`, object: 'payout', amount: 1000 }, 4),
  ];
  const path = new URL(integ.webhook_url).pathname;
  for (const e of [...events, events[1]]) {
    const payload = JSON.stringify(e);
    const r = await fetch(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }) }, body: payload });
    line(`→ ${e.id} ${e.type}: ${r.status} ${await r.text()}`);
  }
  const forged = JSON.stringify(events[1]);
  const bad = await fetch(BASE + path, { method: 'POST', headers: { 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: forged, secret: 'whsec_not_the_secret' }) }, body: forged });
  line(`→ the same event signed with a wrong secret: ${bad.status} ${(await bad.json()).error.code}`);

  step(5, 'Wait for normalization and delivery');
  const deadline = Date.now() + 20000;
  let archive = [];
  while (Date.now() < deadline) {
    archive = (await api('GET', '/v1/settings/integrations/stripe/events', undefined, token)).data;
    if (archive.length === events.length && archive.every((a) => a.status !== 'pending') && received.length >= 5) break;
    await sleep(200);
  }
  for (const a of archive.reverse()) line(`archived ${a.id} ${a.type}: ${a.status}${a.contact_event_id ? ` → contact event ${a.contact_event_id}` : ''}`);

  step(6, 'What the workspace now knows');
  const contacts = (await api('GET', '/v1/contacts', undefined, token)).data;
  for (const c of contacts) {
    line(`contact ${c.id} ${c.email} (${c.name}), Stripe customer ${c.stripe_customer_id}`);
    const evs = (await api('GET', `/v1/contacts/${c.id}/events`, undefined, token)).data;
    for (const e of evs) line(`  ${e.occurred_at} ${e.name} ${JSON.stringify(e.properties).slice(0, 90)}…`);
  }
  const dl = (await api('GET', `/v1/webhook-endpoints/${ep.id}/deliveries`, undefined, token)).data;
  line(`${dl.length} deliveries to ${ep.id}: ${dl.map((d) => `${d.event_type}=${d.status}`).join(', ')}`);

  step(7, 'Where to look');
  line(`GET ${BASE}/v1/settings/integrations/stripe/events   the Stripe archive`);
  line(`GET ${BASE}/v1/contacts and /v1/contacts/{id}/events   contacts and their events`);
  line(`GET ${BASE}/v1/webhook-endpoints/${ep.id}/deliveries   deliveries; /v1/webhook-deliveries/{id} for attempts and payload`);
  line(`GET ${BASE}/docs   the OpenAPI UI; ${BASE}/metrics   Prometheus figures`);
  line(`(all with: authorization: Bearer ${token.slice(0, 12)}…)`);
  server.close();
  process.exit(received.length >= 5 ? 0 : 1);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
