import { randomFillSync } from 'node:crypto';

/** Crockford base32: URL-safe, and lexical order matches numeric order. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** The contract's public prefixes, plus internal row ids: `ses` sessions, `sev` archived Stripe events. */
export type IdPrefix = 'ws' | 'usr' | 'ep' | 'msg' | 'dlv' | 'att' | 'int' | 'con' | 'cev' | 'ses' | 'sev';

/** `chars` base32 digits of a non-negative integer below 2^53, most significant first. */
function encode(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

// Random bytes drawn in blocks, as uuid libraries do: one system call per 4 KiB, not per id.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function random40(): number {
  if (poolOffset + 5 > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const o = poolOffset;
  poolOffset += 5;
  return POOL[o]! * 2 ** 32 + POOL.readUInt32BE(o + 1);
}

/**
 * A prefixed id that sorts by creation time and cannot be guessed: 48 bits of milliseconds then
 * 80 fresh random bits (no monotonic counter), 26 base32 characters.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  const time = now % 2 ** 48;
  // 80 random bits as two 40-bit halves: 8 base32 digits each.
  return `${prefix}_${encode(time, 10)}${encode(random40(), 8)}${encode(random40(), 8)}`;
}

const ID_PATTERNS = new Map<IdPrefix, RegExp>();

export function isId(prefix: IdPrefix, value: unknown): value is string {
  if (typeof value !== 'string') return false;
  let re = ID_PATTERNS.get(prefix);
  if (!re) ID_PATTERNS.set(prefix, (re = new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`)));
  return re.test(value);
}
