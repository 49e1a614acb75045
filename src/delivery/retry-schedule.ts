const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delays after attempts 1..7; the 8th attempt is the last. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
]);

/** ±20 %, so endpoints that failed together (an outage) are not all retried in the same second. */
export const RETRY_JITTER_FRACTION = 0.2;

/** However long a receiver asks us to wait, we come back within this. */
export const MAX_RETRY_AFTER_MS = 10 * HOUR;

export interface NextRetryInput {
  /** 1-based number of the attempt that just failed. */
  attemptNumber: number;
  /** Delay after attempt n at index n-1; its length + 1 is the number of attempts in all. */
  schedule: readonly number[];
  /** The default schedule is jittered; an operator's WEBHOOK_RETRY_SCHEDULE is followed exactly. */
  jitter: boolean;
  /** From the failed response's Retry-After (see parseRetryAfter), or null. */
  retryAfterMs: number | null;
  /** Of the failed response; null when there was none (timeout, connection error). */
  statusCode: number | null;
  /** In [0, 1); injectable for tests. */
  random?: () => number;
}

/** The delay before the next attempt, or null when the attempt that just failed was the last. */
export function nextRetryDelayMs(input: NextRetryInput): number | null {
  const { attemptNumber, schedule, jitter, retryAfterMs, statusCode, random = Math.random } = input;
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new RangeError(`attemptNumber must be a positive integer, got ${attemptNumber}`);
  }
  const scheduled = schedule[attemptNumber - 1];
  if (scheduled === undefined) return null;

  const delay = jitter ? withJitter(scheduled, random()) : scheduled;
  if (retryAfterMs !== null && (statusCode === 429 || statusCode === 503)) {
    // Retry-After can push the next attempt later (up to the cap), never earlier than planned.
    return Math.max(delay, Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS));
  }
  return delay;
}

function withJitter(ms: number, r: number): number {
  return Math.round(ms * (1 + (2 * r - 1) * RETRY_JITTER_FRACTION));
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MON = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must accept.
const IMF_FIXDATE = new RegExp(`^[a-z]{3}, (\\d{2}) ${MON} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC_850 = new RegExp(`^[a-z]{6,9}, (\\d{2})-${MON}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^[a-z]{3} ${MON} ([ \\d]\\d) ${TIME} (\\d{4})$`, 'i');

type DateParts = { year: number; month: string; day: string; h: string; m: string; s: string };

function toUtcMs({ year, month, day, h, m, s }: DateParts): number | null {
  const mon = MONTHS.indexOf(month.toLowerCase());
  const ms = Date.UTC(year, mon, Number(day), Number(h), Number(m), Number(s));
  const d = new Date(ms);
  // Date.UTC rolls 31 Feb into March; a date that does not round-trip was not a real date.
  const valid =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === mon &&
    d.getUTCDate() === Number(day) &&
    d.getUTCHours() === Number(h) &&
    d.getUTCMinutes() === Number(m) &&
    d.getUTCSeconds() === Number(s);
  return valid ? ms : null;
}

function parseHttpDate(value: string, now: Date): number | null {
  let match = IMF_FIXDATE.exec(value);
  if (match) {
    const [, day, month, year, h, m, s] = match;
    return toUtcMs({ year: Number(year), month, day, h, m, s });
  }
  match = RFC_850.exec(value);
  if (match) {
    const [, day, month, yy, h, m, s] = match;
    // Two-digit years more than 50 years ahead are in the past century (RFC 9110).
    let year = 2000 + Number(yy);
    if (year > now.getUTCFullYear() + 50) year -= 100;
    return toUtcMs({ year, month, day, h, m, s });
  }
  match = ASCTIME.exec(value);
  if (match) {
    const [, month, day, h, m, s, year] = match;
    return toUtcMs({ year: Number(year), month, day: day.trim(), h, m, s });
  }
  return null;
}

/**
 * Retry-After as milliseconds from `now`: delta-seconds or an HTTP-date (a past date is 0).
 * Anything else is null, so a malformed header simply leaves the schedule in charge.
 */
export function parseRetryAfter(header: string | undefined, now: Date): number | null {
  if (header === undefined) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * SECOND, Number.MAX_SAFE_INTEGER);
  const at = parseHttpDate(value, now);
  return at === null ? null : Math.max(0, at - now.getTime());
}
