import type { LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';
import {
  AddressClass,
  classifyAddress,
  isClassAllowed,
} from '../webhook-endpoints/url-policy/address-classifier';
import { ipLiteralOf, isLocalhostName, Resolver } from '../webhook-endpoints/url-policy/url-policy';

export interface WebhookSenderOptions {
  /** One deadline for the whole exchange: DNS, connect, TLS, headers and body. */
  timeoutMs: number;
  allowPrivate: boolean;
  resolver: Resolver;
  userAgent: string;
  maxExcerptBytes?: number;
  /** Max sockets per origin (undici `connections`); unlimited when absent. */
  connections?: number;
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  /** Sent byte for byte; these are the bytes that were signed. */
  body: string | Uint8Array;
}

export interface SendResult {
  /** null when no response arrived in time (timeout, DNS, connection, refused address). */
  statusCode: number | null;
  durationMs: number;
  /** The first maxExcerptBytes of the body as UTF-8; null when there was no response. */
  responseExcerpt: string | null;
  /** Short reason when statusCode is null; null for any HTTP response, 2xx or not. */
  error: string | null;
  /** Raw Retry-After header, for parseRetryAfter. */
  retryAfter: string | null;
}

export class RefusedAddressError extends Error {
  constructor(
    readonly address: string,
    readonly addressClass: AddressClass,
  ) {
    super(`refused address ${address} (${addressClass})`);
    this.name = 'RefusedAddressError';
  }
}

export class DnsLookupError extends Error {
  constructor(readonly hostname: string) {
    super(`dns lookup failed: ${hostname}`);
    this.name = 'DnsLookupError';
  }
}

function wantedFamily(family: number | 'IPv4' | 'IPv6' | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/**
 * A `net.connect` lookup that resolves with the injected resolver and fails unless EVERY address
 * is allowed, so the address actually dialled has always been checked (DNS rebinding included).
 * Node calls it with `{ all: true }` when autoSelectFamily is on (the default since Node 20) and
 * expects `(err, addresses[])`; otherwise it expects `(err, address, family)`.
 */
export function createGuardedLookup(opts: { resolver: Resolver; allowPrivate: boolean }): LookupFunction {
  const resolveChecked = async (hostname: string): Promise<string[]> => {
    let addresses: string[];
    try {
      addresses = await opts.resolver(hostname);
    } catch {
      throw new DnsLookupError(hostname);
    }
    if (addresses.length === 0) throw new DnsLookupError(hostname);
    for (const address of addresses) {
      const cls = classifyAddress(address);
      if (!isClassAllowed(cls, opts)) throw new RefusedAddressError(address, cls);
    }
    return addresses;
  };

  return (hostname, options, callback) => {
    resolveChecked(hostname).then(
      (all) => {
        const family = wantedFamily(options.family);
        const addresses = family === 0 ? all : all.filter((a) => isIP(a) === family);
        if (addresses.length === 0) return callback(new DnsLookupError(hostname), '');
        if (options.all) {
          const answers: LookupAddress[] = addresses.map((address) => ({ address, family: isIP(address) }));
          return callback(null, answers);
        }
        callback(null, addresses[0], isIP(addresses[0]));
      },
      (err: Error) => callback(err, ''),
    );
  };
}

// llhttp parse failures (a receiver that does not speak HTTP/1.1) carry codes like HPE_INVALID_CONSTANT.
const ERROR_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  UND_ERR_SOCKET: 'connection closed by receiver',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_HEADERS_OVERFLOW: 'response headers too large',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls error: certificate does not match host',
};

const UNDICI_TIMEOUTS = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** The error and its causes, outermost first (undici sometimes wraps the socket error). */
function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && chain.length < 5; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

function describeFailure(err: unknown, timedOut: boolean, timeoutMs: number): string {
  const timeout = `timeout after ${timeoutMs} ms`;
  if (timedOut) return timeout;
  const chain = errorChain(err);
  const ours = chain.find((e) => e instanceof RefusedAddressError || e instanceof DnsLookupError);
  if (ours) return (ours as Error).message;
  for (const e of chain) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (UNDICI_TIMEOUTS.has(code)) return timeout;
    if (ERROR_REASONS[code]) return ERROR_REASONS[code];
    if (code.startsWith('HPE_')) return 'invalid http response';
    if (/^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code))
      return `tls error: ${code}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `request failed: ${message.slice(0, 200)}`;
}

/**
 * Whole bytes only (a multi-byte character cut by the cap is dropped, not mangled), and no NUL:
 * Postgres text columns cannot store it.
 */
function decodeExcerpt(bytes: Buffer): string {
  return new TextDecoder('utf-8').decode(bytes, { stream: true }).replaceAll('\u0000', '\uFFFD');
}

/**
 * Reads at most maxBytes, then stops: leaving the loop destroys the stream, which closes the
 * socket. We cancel rather than drain, so a receiver that sends a big body then stalls still has
 * its status recorded, and we never pull unbounded bytes; the rest of the body is not our business.
 * Reading happens under the request's abort signal, so a trickle below the cap hits the deadline.
 */
async function readExcerpt(body: AsyncIterable<Buffer>, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const take = chunk.subarray(0, maxBytes - size);
    chunks.push(take);
    size += take.length;
    if (size >= maxBytes) break;
  }
  return decodeExcerpt(Buffer.concat(chunks));
}

function firstHeader(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** POSTs signed webhooks with an SSRF-safe dialler, one deadline, and no redirects. */
export class WebhookSender {
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly allowPrivate: boolean;
  private readonly userAgent: string;
  private readonly maxExcerptBytes: number;

  constructor(opts: WebhookSenderOptions) {
    this.timeoutMs = opts.timeoutMs;
    this.allowPrivate = opts.allowPrivate;
    this.userAgent = opts.userAgent;
    this.maxExcerptBytes = opts.maxExcerptBytes ?? 4096;
    // undici's own timeouts are per phase; they are set to the deadline only so no socket outlives
    // it. The AbortSignal in send() is what bounds the whole exchange. undici 7 follows no
    // redirects unless the redirect interceptor is composed in, and we do not compose it.
    this.agent = new Agent({
      connect: {
        lookup: createGuardedLookup({ resolver: opts.resolver, allowPrivate: opts.allowPrivate }),
        timeout: opts.timeoutMs,
      },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
    });
  }

  /** Never throws for network outcomes: every failure is a SendResult with statusCode null. */
  async send({ url, headers, body }: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const failed = (error: string): SendResult => ({
      statusCode: null,
      durationMs: elapsed(),
      responseExcerpt: null,
      error,
      retryAfter: null,
    });

    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return failed('invalid url');
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      return failed(`unsupported url scheme ${target.protocol}`);
    }
    // net.connect skips lookup for IP literals, so they are checked here instead.
    const refusal = this.refusalBeforeDialling(target);
    if (refusal) return failed(refusal);

    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: this.requestHeaders(headers),
        body,
        signal,
      });
      const responseExcerpt = await readExcerpt(response.body, this.maxExcerptBytes);
      return {
        statusCode: response.statusCode,
        durationMs: elapsed(),
        responseExcerpt,
        error: null,
        retryAfter: firstHeader(response.headers['retry-after']),
      };
    } catch (err) {
      return failed(describeFailure(err, signal.aborted, this.timeoutMs));
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private refusalBeforeDialling(target: URL): string | null {
    const literal = ipLiteralOf(target);
    if (literal !== null) {
      const cls = classifyAddress(literal);
      return isClassAllowed(cls, { allowPrivate: this.allowPrivate })
        ? null
        : new RefusedAddressError(literal, cls).message;
    }
    // Same rule as at create time: localhost is loopback whatever a resolver might say.
    if (isLocalhostName(target.hostname) && !this.allowPrivate) {
      return new RefusedAddressError(target.hostname, 'loopback').message;
    }
    return null;
  }

  /** Header names are case-insensitive; lower-casing lets an explicit user-agent replace ours. */
  private requestHeaders(headers: Record<string, string>): Record<string, string> {
    const merged: Record<string, string> = { 'user-agent': this.userAgent };
    for (const [name, value] of Object.entries(headers)) merged[name.toLowerCase()] = value;
    return merged;
  }
}
