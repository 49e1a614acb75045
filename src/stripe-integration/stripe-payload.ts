/** Pure helpers for an incoming Stripe event, after its signature has been checked. */

export interface StripeEventSummary {
  id: string;
  type: string;
  livemode: boolean;
  apiVersion: string | null;
  /** Unix seconds; null when Stripe's `created` is absent or not an integer. */
  created: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The contract's event shape: `id` `evt_…`, a string `type`, an object `data.object`. Null otherwise. */
export function summarizeEvent(parsed: unknown): StripeEventSummary | null {
  if (!isObject(parsed)) return null;
  const { id, type, data, livemode, api_version: apiVersion, created } = parsed;
  // Stripe's ids and type names are plain ASCII; anything else (a NUL, a space) is no event of theirs.
  if (typeof id !== 'string' || !/^evt_[A-Za-z0-9_-]+$/.test(id) || id.length > 255) return null;
  if (typeof type !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(type) || type.length > 255) return null;
  if (!isObject(data) || !isObject(data.object)) return null;
  return {
    id,
    type,
    livemode: livemode === true,
    apiVersion: typeof apiVersion === 'string' ? apiVersion : null,
    created: Number.isSafeInteger(created) ? (created as number) : null,
  };
}

/*
 * JSON.stringify writes NUL as `\u0000` and a lone surrogate as `\udXXX` (paired ones are
 * written as the characters themselves), and Postgres' jsonb refuses both. Scanning escape by
 * escape, an escaped backslash is consumed whole, so `\\u0000` (a backslash then "u0000") is
 * left alone.
 */
const UNSAFE_ESCAPE = /\\(?:\\|u0000|ud[89a-f][0-9a-f]{2})/g;

/**
 * The queryable copy of an event as JSON text jsonb accepts: strings (keys included) holding
 * `\u0000` or a lone surrogate get U+FFFD in its place. The raw bytes are archived unchanged
 * beside it.
 */
export function sanitizedJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_ESCAPE, (m) => (m === '\\\\' ? m : '\\ufffd'));
}

const UNSAFE_RAW = /\\u(?:0000|d[89a-f])/i;

/**
 * The same, from the raw text when it is already jsonb-safe (no `\u0000`, no surrogate escapes:
 * valid UTF-8 cannot hold a raw lone surrogate, and JSON cannot hold a raw NUL), which spares
 * re-serializing the event on the hot path.
 */
export function queryableJson(rawText: string, parsed: unknown): string {
  return UNSAFE_RAW.test(rawText) ? sanitizedJson(parsed) : rawText;
}
