import { randomBytes } from 'node:crypto';

/** Crockford base32: URL-safe, and lexical order matches numeric order. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The contract's public prefixes, plus internal row ids: `ses` sessions, `sev` archived Stripe events. */
export type IdPrefix = 'ws' | 'usr' | 'ep' | 'msg' | 'dlv' | 'att' | 'int' | 'con' | 'cev' | 'ses' | 'sev';

function encode(value: bigint, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * A prefixed id that sorts by creation time and cannot be guessed: 48 bits of milliseconds then
 * 80 fresh random bits (no monotonic counter), 26 base32 characters.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const time = BigInt(now) & ((1n << 48n) - 1n);
  const random = BigInt('0x' + randomBytes(10).toString('hex'));
  return `${prefix}_${encode(time, 10)}${encode(random, 16)}`;
}

const ID_PATTERNS = new Map<IdPrefix, RegExp>();

export function isId(prefix: IdPrefix, value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let re = ID_PATTERNS.get(prefix);
  if (!re) ID_PATTERNS.set(prefix, (re = new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`)));
  return re.test(value);
}
