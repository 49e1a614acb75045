import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What a test receiver does with the n-th request (0-based). */
export type Behaviour =
  { status: number; body?: string; headers?: Record<string, string> } | 'hang' | 'trickle';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP receiver on 127.0.0.1, as a customer would run one. */
export class Receiver {
  readonly requests: Received[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private server!: Server;
  url = '';

  constructor(public behave: (n: number, r: Received) => Behaviour = () => ({ status: 200, body: 'ok' })) {}

  static async start(behave?: (n: number, r: Received) => Behaviour, path = '/hook'): Promise<Receiver> {
    const r = new Receiver(behave);
    r.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const got: Received = {
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const n = r.requests.push(got) - 1;
        r.inFlight++;
        r.maxInFlight = Math.max(r.maxInFlight, r.inFlight);
        res.on('close', () => r.inFlight--);
        r.respond(res, r.behave(n, got));
      });
    });
    r.server.on('connection', (s) => {
      r.sockets.add(s);
      s.on('close', () => r.sockets.delete(s));
    });
    await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', ok));
    r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}${path}`;
    return r;
  }

  private respond(res: ServerResponse, b: Behaviour): void {
    if (b === 'hang') return;
    if (b === 'trickle') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const t = setInterval(() => res.write('.'), 100);
      this.timers.add(t);
      res.on('close', () => clearInterval(t));
      return;
    }
    res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers });
    res.end(b.body ?? '');
  }

  /** Requests that carry this webhook-id. */
  forMessage(messageId: string): Received[] {
    return this.requests.filter((q) => q.headers['webhook-id'] === messageId);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

/** Verifies one received request with the standardwebhooks package; returns the parsed payload or throws. */
export function verify(secret: string, r: Received): unknown {
  return new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

export function verifies(secret: string, r: Received): boolean {
  try {
    verify(secret, r);
    return true;
  } catch {
    return false;
  }
}
