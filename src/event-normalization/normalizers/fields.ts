/**
 * Safe readers over Stripe's JSON. Stripe's payloads are untrusted input: a field of the wrong type
 * must null out that one property and leave a warning, never throw or fail the whole event.
 * Absent and `null` fields are simply `null` and are not worth a warning.
 */

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Date's range is ±8.64e15 ms; anything outside it would make toISOString() throw.
const MAX_UNIX_SECONDS = 8.64e12;

/** Stripe sends unix seconds; contact events carry ISO strings. */
export function unixSecondsToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Emails are matched trimmed and lower-cased, so that is the only form we hand on. */
export function normalizeEmail(value: string): string | null {
  const email = value.trim().toLowerCase();
  return email === '' ? null : email;
}

export interface ObjectReader {
  /** Where this object sits in the event, e.g. `data.object.items.data[0]`; used in warnings. */
  readonly path: string;
  string(key: string): string | null;
  /** Amounts and counts: a safe integer as Stripe sent it, never rounded. */
  integer(key: string): number | null;
  boolean(key: string): boolean | null;
  /** A string lower-cased, for ISO currency codes. */
  currency(key: string): string | null;
  /** A string trimmed and lower-cased; blank is null. */
  email(key: string): string | null;
  /** An id that Stripe sends as `"cus_…"` or, when expanded, as `{ "id": "cus_…", … }`. */
  id(key: string): string | null;
  /** Unix seconds (an integer Date can represent). */
  unixSeconds(key: string): number | null;
  /** Unix seconds as an ISO string. */
  unixTime(key: string): string | null;
  /** A nested object; anything else but absent/null is a warning. */
  object(key: string): ObjectReader | null;
  /**
   * A nested object only when Stripe expanded it. A string id is not an error here: the same field
   * is read with `id()`, which owns the warning for a wrong type, so none is recorded twice.
   */
  expanded(key: string): ObjectReader | null;
  /** An array of objects; elements that are not objects are skipped with a warning. */
  objects(key: string): ObjectReader[] | null;
  /** The object's own keys. */
  keys(): string[];
}

export function readerFor(value: JsonObject, path: string, warnings: string[]): ObjectReader {
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  // Own properties only: a payload key never resolves to something inherited from Object.prototype.
  const get = (key: string): unknown => (Object.hasOwn(value, key) ? value[key] : undefined);
  const absent = (raw: unknown): raw is null | undefined => raw === null || raw === undefined;
  const wrong = (key: string, expected: string): null => {
    warnings.push(`${at(key)}: expected ${expected}`);
    return null;
  };

  const string = (key: string): string | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    return typeof raw === 'string' ? raw : wrong(key, 'string');
  };

  const integer = (key: string): number | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    return typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : wrong(key, 'integer');
  };

  const boolean = (key: string): boolean | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    return typeof raw === 'boolean' ? raw : wrong(key, 'boolean');
  };

  const unixSeconds = (key: string): number | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    const valid = typeof raw === 'number' && Number.isSafeInteger(raw) && Math.abs(raw) <= MAX_UNIX_SECONDS;
    return valid ? raw : wrong(key, 'unix timestamp');
  };

  const id = (key: string): string | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    if (typeof raw === 'string' && raw !== '') return raw;
    if (isRecord(raw) && typeof raw.id === 'string' && raw.id !== '') return raw.id;
    return wrong(key, 'id or expanded object with id');
  };

  const object = (key: string): ObjectReader | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    return isRecord(raw) ? readerFor(raw, at(key), warnings) : wrong(key, 'object');
  };

  const expanded = (key: string): ObjectReader | null => {
    const raw = get(key);
    return isRecord(raw) ? readerFor(raw, at(key), warnings) : null;
  };

  const objects = (key: string): ObjectReader[] | null => {
    const raw = get(key);
    if (absent(raw)) return null;
    if (!Array.isArray(raw)) return wrong(key, 'array');
    const readers: ObjectReader[] = [];
    raw.forEach((item: unknown, index) => {
      if (isRecord(item)) readers.push(readerFor(item, `${at(key)}[${index}]`, warnings));
      else warnings.push(`${at(key)}[${index}]: expected object`);
    });
    return readers;
  };

  return {
    path,
    string,
    integer,
    boolean,
    unixSeconds,
    id,
    object,
    expanded,
    objects,
    currency: (key) => string(key)?.toLowerCase() ?? null,
    email: (key) => {
      const raw = string(key);
      return raw === null ? null : normalizeEmail(raw);
    },
    unixTime: (key) => {
      const seconds = unixSeconds(key);
      return seconds === null ? null : unixSecondsToIso(seconds);
    },
    keys: () => Object.keys(value),
  };
}

/** The first non-null value, for "this field, else that one" fallbacks. */
export function firstPresent<T>(...values: Array<() => T | null>): T | null {
  for (const value of values) {
    const result = value();
    if (result !== null) return result;
  }
  return null;
}

/** A learned id as a list, so an absent id teaches nothing. */
export function idList(id: string | null): string[] {
  return id === null ? [] : [id];
}
