import { lookup } from 'node:dns/promises';
import * as ipaddr from 'ipaddr.js';
import { AddressClass, classifyAddress, isClassAllowed } from './address-classifier';

/** Every address a hostname resolves to. Injectable so tests never touch DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

export type UrlCheckResult = { ok: true; url: string } | { ok: false; message: string };

export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const DEFAULT_RESOLVE_TIMEOUT_MS = 2_000;

/**
 * Rejects after `ms`. The wrapped work is not cancelled (a getaddrinfo call cannot be), only
 * abandoned; the timer is unref'd so it never keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** getaddrinfo (so /etc/hosts counts, like the connection will) with every address returned. */
export function createDnsResolver(timeoutMs = DEFAULT_RESOLVE_TIMEOUT_MS): Resolver {
  return (hostname) =>
    withTimeout(
      lookup(hostname, { all: true }).then((answers) => answers.map((a) => a.address)),
      timeoutMs,
      `dns lookup timed out after ${timeoutMs} ms: ${hostname}`,
    );
}

export const defaultResolver: Resolver = createDnsResolver();

/**
 * The IP address a parsed http(s) URL's host is, or null for a name. The WHATWG parser has already
 * turned every IPv4 spelling it accepts (`0x7f000001`, `2130706433`, `0177.0.0.1`, `127.1`) into a
 * dotted quad and IPv6 into bracketed compressed hex, so those two shapes are all we need to see.
 */
export function ipLiteralOf(url: URL): string | null {
  const host = url.hostname;
  if (host.startsWith('[') && host.endsWith(']')) return host.slice(1, -1);
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? host : null;
}

/** RFC 6761: localhost names are loopback whatever DNS says, so never ask it. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

const refused = (verb: 'is' | 'resolves to', cls: AddressClass): UrlCheckResult => ({
  ok: false,
  message: `url ${verb} a forbidden address (${cls})`,
});

/** Shape rules only: scheme, length, credentials, host. Returns the parsed URL or a message. */
function parseWebhookUrl(raw: unknown, allowHttp: boolean): URL | string {
  const expected = allowHttp ? 'url must be an http or https URL' : 'url must be an https URL';
  if (typeof raw !== 'string') return 'url must be a string';
  if (raw.trim() === '') return 'url must not be empty';
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  // The WHATWG parser silently strips tabs, newlines and outer spaces; refuse them instead of
  // storing something other than what the user typed.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return 'url must not contain whitespace or control characters';

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return /^https?:\/\//i.test(raw) ? 'url is not a valid URL' : expected;
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return expected;
  if (url.username !== '' || url.password !== '') return 'url must not contain credentials';
  if (url.hostname === '') return 'url must have a host';
  // Normalisation can lengthen it (punycode, percent-encoding); the stored form must fit too.
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH)
    return `url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  return url;
}

/**
 * Validates a webhook endpoint URL at create/update. Refuses a host that is, or resolves to, any
 * address that may not be dialled (if ANY answer is bad: DNS can rotate). A name that does not
 * resolve in time is accepted; the connect-time check in the sender is the one that must hold.
 * On success returns the WHATWG-normalised URL, which is what the sender will dial.
 */
export async function checkWebhookUrl(
  raw: unknown,
  opts: { allowHttp: boolean; allowPrivate: boolean; resolver: Resolver; resolveTimeoutMs?: number },
): Promise<UrlCheckResult> {
  const parsed = parseWebhookUrl(raw, opts.allowHttp);
  if (typeof parsed === 'string') return { ok: false, message: parsed };
  const accepted: UrlCheckResult = { ok: true, url: parsed.href };

  const literal = ipLiteralOf(parsed);
  if (literal !== null) {
    const cls = classifyAddress(literal);
    return isClassAllowed(cls, opts) ? accepted : refused('is', cls);
  }
  if (isLocalhostName(parsed.hostname)) {
    return isClassAllowed('loopback', opts) ? accepted : refused('resolves to', 'loopback');
  }

  let addresses: string[];
  try {
    const timeoutMs = opts.resolveTimeoutMs ?? DEFAULT_RESOLVE_TIMEOUT_MS;
    addresses = await withTimeout(opts.resolver(parsed.hostname), timeoutMs, 'dns lookup timed out');
  } catch {
    return accepted;
  }
  for (const address of addresses) {
    const cls = classifyAddress(address);
    if (!isClassAllowed(cls, opts)) return refused('resolves to', cls);
  }
  return accepted;
}

/** Nest injection token for the Resolver; the module provides `defaultResolver`, tests override it. */
export const URL_RESOLVER = Symbol('URL_RESOLVER');
