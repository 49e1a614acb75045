import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resolver } from '../webhook-endpoints/url-policy/url-policy';
import {
  createGuardedLookup,
  DnsLookupError,
  RefusedAddressError,
  SendResult,
  WebhookSender,
} from './http-sender';

type Received = { method?: string; url?: string; headers: IncomingMessage['headers']; body: Buffer };

/** A real HTTP server on 127.0.0.1 that records what it received. */
async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ port: number; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      handler(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, received, server };
}

const servers: Server[] = [];
const senders: WebhookSender[] = [];
const timers: NodeJS.Timeout[] = [];

function fakeResolver(map: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const answer = map[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
}

const dns = fakeResolver({
  'hooks.example.test': ['127.0.0.1'],
  'mixed.example.test': ['127.0.0.1', '0.0.0.0'],
  'mixed-meta.example.test': ['127.0.0.1', '169.254.169.254'],
  'meta.example.test': ['169.254.169.254'],
});

function makeSender(overrides: Partial<ConstructorParameters<typeof WebhookSender>[0]> = {}): WebhookSender {
  const sender = new WebhookSender({
    timeoutMs: 2_000,
    allowPrivate: true,
    resolver: dns,
    userAgent: 'MailKatana-Webhooks/test',
    ...overrides,
  });
  senders.push(sender);
  return sender;
}

const body = '{"type":"testing.testEvent","timestamp":"2026-12-03T15:20:50.123Z","data":{"name":"Zoë"}}';
const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1' };

function refusedResult(error: string): SendResult {
  return { statusCode: null, durationMs: expect.any(Number), responseExcerpt: null, error, retryAfter: null };
}

afterEach(async () => {
  timers.splice(0).forEach(clearInterval);
  await Promise.all(senders.splice(0).map((s) => s.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('WebhookSender: responses', () => {
  it('POSTs the exact body bytes and headers, and records a 200', async () => {
    const { port, received } = await startServer((_req, res) => res.writeHead(200).end('ok'));
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/hooks?x=1`, headers, body });

    expect(result).toEqual({
      statusCode: 200,
      durationMs: expect.any(Number),
      responseExcerpt: 'ok',
      error: null,
      retryAfter: null,
    });
    expect(received).toHaveLength(1);
    expect(received[0].method).toBe('POST');
    expect(received[0].url).toBe('/hooks?x=1');
    expect(received[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(received[0].headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'user-agent': 'MailKatana-Webhooks/test',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('sends a Uint8Array body unchanged and lets an explicit user-agent win', async () => {
    const { port, received } = await startServer((_req, res) => res.writeHead(204).end());
    const bytes = Buffer.from([0x7b, 0x7d, 0xc3, 0xa9]);
    const result = await makeSender().send({
      url: `http://127.0.0.1:${port}/`,
      headers: { 'User-Agent': 'MailKatana-Webhooks/9.9.9' },
      body: bytes,
    });
    expect(result.statusCode).toBe(204);
    expect(result.responseExcerpt).toBe('');
    expect(received[0].body.equals(bytes)).toBe(true);
    expect(received[0].headers['user-agent']).toBe('MailKatana-Webhooks/9.9.9');
  });

  it('records a 500 with its body as the excerpt', async () => {
    const { port } = await startServer((_req, res) => res.writeHead(500).end('database on fire'));
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/`, headers, body });
    expect(result).toMatchObject({ statusCode: 500, responseExcerpt: 'database on fire', error: null });
  });

  it('does not follow a 302', async () => {
    const { port, received } = await startServer((req, res) => {
      if (req.url === '/start') res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
      else res.writeHead(200).end('followed');
    });
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/start`, headers, body });
    expect(result).toMatchObject({ statusCode: 302, error: null });
    expect(received.map((r) => r.url)).toEqual(['/start']);
  });

  it('captures Retry-After', async () => {
    const { port } = await startServer((_req, res) => res.writeHead(503, { 'retry-after': '120' }).end());
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/`, headers, body });
    expect(result).toMatchObject({ statusCode: 503, retryAfter: '120' });
  });

  it('caps the excerpt at 4096 bytes', async () => {
    const { port } = await startServer((_req, res) => res.writeHead(200).end('a'.repeat(100_000)));
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/`, headers, body });
    expect(result.statusCode).toBe(200);
    expect(result.responseExcerpt).toBe('a'.repeat(4096));
  });

  it('cuts on whole characters and replaces NUL, under a custom cap', async () => {
    const { port } = await startServer((_req, res) => res.writeHead(400).end('a\u0000ééé'));
    // 'a', NUL, 'é' (2 bytes) and one byte of the next 'é': that half character is dropped.
    const result = await makeSender({ maxExcerptBytes: 5 }).send({
      url: `http://127.0.0.1:${port}/`,
      headers,
      body,
    });
    expect(result.responseExcerpt).toBe('a\uFFFDé');
  });

  it('stops reading at the cap, so a big body followed by a stall still records its status', async () => {
    const { port } = await startServer((_req, res) => {
      res.writeHead(200);
      res.write('b'.repeat(8192)); // and never end
    });
    const result = await makeSender({ timeoutMs: 1_000 }).send({
      url: `http://127.0.0.1:${port}/`,
      headers,
      body,
    });
    expect(result).toMatchObject({ statusCode: 200, error: null, responseExcerpt: 'b'.repeat(4096) });
    expect(result.durationMs).toBeLessThan(1_000);
  });
});

describe('WebhookSender: deadline', () => {
  it('times out a server that never answers', async () => {
    const { port } = await startServer(() => undefined);
    const result = await makeSender({ timeoutMs: 300 }).send({
      url: `http://127.0.0.1:${port}/`,
      headers,
      body,
    });
    expect(result).toEqual(refusedResult('timeout after 300 ms'));
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('cuts off a receiver that trickles its body a byte every 100 ms', async () => {
    const { port } = await startServer((_req, res) => {
      res.writeHead(200);
      timers.push(setInterval(() => res.write('.'), 100));
    });
    const result = await makeSender({ timeoutMs: 500 }).send({
      url: `http://127.0.0.1:${port}/`,
      headers,
      body,
    });
    expect(result).toEqual(refusedResult('timeout after 500 ms'));
    expect(result.durationMs).toBeGreaterThanOrEqual(490);
    expect(result.durationMs).toBeLessThan(2_000);
  });

  it('counts a hanging DNS lookup against the same deadline', async () => {
    const hanging: Resolver = () => new Promise(() => undefined);
    const result = await makeSender({ timeoutMs: 200, resolver: hanging }).send({
      url: 'http://slow.example.test/',
      headers,
      body,
    });
    expect(result).toEqual(refusedResult('timeout after 200 ms'));
  });
});

describe('WebhookSender: where it may dial', () => {
  it('dials a name the resolver maps to 127.0.0.1 with allowPrivate', async () => {
    const { port, received } = await startServer((_req, res) => res.writeHead(200).end('hi'));
    const result = await makeSender().send({ url: `http://hooks.example.test:${port}/`, headers, body });
    expect(result).toMatchObject({ statusCode: 200, responseExcerpt: 'hi' });
    expect(received[0].headers.host).toBe(`hooks.example.test:${port}`);
  });

  it('refuses that name without allowPrivate, before any byte is sent', async () => {
    const { port, received } = await startServer((_req, res) => res.writeHead(200).end());
    const result = await makeSender({ allowPrivate: false }).send({
      url: `http://hooks.example.test:${port}/`,
      headers,
      body,
    });
    expect(result).toEqual(refusedResult('refused address 127.0.0.1 (loopback)'));
    expect(received).toHaveLength(0);
  });

  it.each(['127.0.0.1', '0x7f000001', '127.1', '[::1]', '[::ffff:127.0.0.1]'])(
    'refuses the IP literal %p without allowPrivate',
    async (host) => {
      const { port, received } = await startServer((_req, res) => res.writeHead(200).end());
      const result = await makeSender({ allowPrivate: false }).send({
        url: `http://${host}:${port}/`,
        headers,
        body,
      });
      expect(result.statusCode).toBeNull();
      expect(result.error).toMatch(/^refused address .* \(loopback\)$/);
      expect(received).toHaveLength(0);
    },
  );

  it('refuses localhost without allowPrivate, whatever the resolver says', async () => {
    const sender = makeSender({
      allowPrivate: false,
      resolver: fakeResolver({ localhost: ['93.184.216.34'] }),
    });
    const result = await sender.send({ url: 'http://localhost:1/', headers, body });
    expect(result).toEqual(refusedResult('refused address localhost (loopback)'));
  });

  it('refuses a resolver answer with one forbidden address among allowed ones', async () => {
    const { port, received } = await startServer((_req, res) => res.writeHead(200).end());
    const sender = makeSender();
    expect(await sender.send({ url: `http://mixed.example.test:${port}/`, headers, body })).toEqual(
      refusedResult('refused address 0.0.0.0 (forbidden)'),
    );
    expect(await sender.send({ url: `http://mixed-meta.example.test:${port}/`, headers, body })).toEqual(
      refusedResult('refused address 169.254.169.254 (metadata)'),
    );
    expect(received).toHaveLength(0);
  });

  it('refuses 169.254.169.254 even with allowPrivate, as a literal and by name', async () => {
    const sender = makeSender({ allowPrivate: true });
    expect(await sender.send({ url: 'http://169.254.169.254/latest/meta-data/', headers, body })).toEqual(
      refusedResult('refused address 169.254.169.254 (metadata)'),
    );
    expect(await sender.send({ url: 'http://meta.example.test/', headers, body })).toEqual(
      refusedResult('refused address 169.254.169.254 (metadata)'),
    );
    expect(await sender.send({ url: 'http://[fd00:ec2::254]/', headers, body })).toEqual(
      refusedResult('refused address fd00:ec2::254 (metadata)'),
    );
  });

  it('reports a name that does not resolve', async () => {
    const result = await makeSender().send({ url: 'http://nowhere.example.test/', headers, body });
    expect(result).toEqual(refusedResult('dns lookup failed: nowhere.example.test'));
  });

  it('reports a refused connection', async () => {
    const { port, server } = await startServer(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/`, headers, body });
    expect(result).toEqual(refusedResult('connection refused'));
  });

  it('reports a receiver that closes the connection without answering', async () => {
    const { port } = await startServer((req) => req.socket.destroy());
    const result = await makeSender().send({ url: `http://127.0.0.1:${port}/`, headers, body });
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/^connection (closed by receiver|reset)$/);
  });

  it('never throws for a bad url or scheme', async () => {
    const sender = makeSender();
    expect(await sender.send({ url: 'not a url', headers, body })).toEqual(refusedResult('invalid url'));
    expect(await sender.send({ url: 'ftp://hooks.example.test/', headers, body })).toEqual(
      refusedResult('unsupported url scheme ftp:'),
    );
  });
});

describe('createGuardedLookup', () => {
  const lookupWith = (map: Record<string, string[]>, allowPrivate: boolean) =>
    createGuardedLookup({ resolver: fakeResolver(map), allowPrivate });
  const call = (lookup: ReturnType<typeof createGuardedLookup>, host: string, options: object) =>
    new Promise<{ err: unknown; address: unknown; family: unknown }>((resolve) =>
      lookup(host, options, (err, address, family) => resolve({ err, address, family })),
    );

  const map = { 'dual.example.test': ['127.0.0.1', '::1'], 'v6.example.test': ['::1'] };

  it('answers the (err, addresses[]) shape when options.all is set (autoSelectFamily)', async () => {
    const { err, address } = await call(lookupWith(map, true), 'dual.example.test', { all: true });
    expect(err).toBeNull();
    expect(address).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
  });

  it('answers the (err, address, family) shape otherwise, honouring options.family', async () => {
    expect(await call(lookupWith(map, true), 'dual.example.test', {})).toEqual({
      err: null,
      address: '127.0.0.1',
      family: 4,
    });
    expect(await call(lookupWith(map, true), 'dual.example.test', { family: 6 })).toEqual({
      err: null,
      address: '::1',
      family: 6,
    });
  });

  it('fails when no address of the wanted family exists', async () => {
    const { err } = await call(lookupWith(map, true), 'v6.example.test', { family: 4 });
    expect(err).toBeInstanceOf(DnsLookupError);
  });

  it('refuses unless every address is allowed, in both shapes', async () => {
    for (const options of [{ all: true }, {}]) {
      const { err } = await call(lookupWith(map, false), 'dual.example.test', options);
      expect(err).toBeInstanceOf(RefusedAddressError);
      expect((err as Error).message).toBe('refused address 127.0.0.1 (loopback)');
    }
  });

  it('fails on an empty answer and on a resolver error', async () => {
    expect((await call(lookupWith({ 'e.test': [] }, true), 'e.test', { all: true })).err).toBeInstanceOf(
      DnsLookupError,
    );
    expect((await call(lookupWith({}, true), 'x.test', { all: true })).err).toBeInstanceOf(DnsLookupError);
  });
});
