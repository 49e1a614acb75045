import {
  DEFAULT_RETRY_SCHEDULE_MS,
  MAX_RETRY_AFTER_MS,
  nextRetryDelayMs,
  NextRetryInput,
  parseRetryAfter,
} from './retry-schedule';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

const base: NextRetryInput = {
  attemptNumber: 1,
  schedule: DEFAULT_RETRY_SCHEDULE_MS,
  jitter: false,
  retryAfterMs: null,
  statusCode: 500,
};

describe('DEFAULT_RETRY_SCHEDULE_MS', () => {
  it('is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts in all', () => {
    expect(DEFAULT_RETRY_SCHEDULE_MS).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H]);
    expect(Object.isFrozen(DEFAULT_RETRY_SCHEDULE_MS)).toBe(true);
  });
});

describe('nextRetryDelayMs', () => {
  it('follows the schedule exactly without jitter, then stops after the 8th attempt', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attemptNumber) =>
      nextRetryDelayMs({ ...base, attemptNumber }),
    );
    expect(delays).toEqual([...DEFAULT_RETRY_SCHEDULE_MS, null]);
    expect(nextRetryDelayMs({ ...base, attemptNumber: 9 })).toBeNull();
  });

  it('follows a custom schedule such as 1s,2s (3 attempts)', () => {
    const schedule = [1 * S, 2 * S];
    expect(nextRetryDelayMs({ ...base, schedule, attemptNumber: 1 })).toBe(1 * S);
    expect(nextRetryDelayMs({ ...base, schedule, attemptNumber: 2 })).toBe(2 * S);
    expect(nextRetryDelayMs({ ...base, schedule, attemptNumber: 3 })).toBeNull();
  });

  it('never retries with an empty schedule', () => {
    expect(nextRetryDelayMs({ ...base, schedule: [] })).toBeNull();
  });

  it('jitters by at most ±20 %', () => {
    const at = (r: number) => nextRetryDelayMs({ ...base, attemptNumber: 2, jitter: true, random: () => r });
    expect(at(0)).toBe(4 * M);
    expect(at(0.5)).toBe(5 * M);
    expect(at(0.999999)).toBeLessThanOrEqual(6 * M);
    expect(at(0.999999)).toBeGreaterThan(5.99 * M);
    for (let i = 0; i < 200; i++) {
      const d = nextRetryDelayMs({ ...base, attemptNumber: 1, jitter: true })!;
      expect(d).toBeGreaterThanOrEqual(4 * S);
      expect(d).toBeLessThanOrEqual(6 * S);
    }
  });

  it.each([429, 503])('on %p honours a longer Retry-After', (statusCode) => {
    expect(nextRetryDelayMs({ ...base, statusCode, retryAfterMs: 60 * S })).toBe(60 * S);
  });

  it('never retries sooner than scheduled because of Retry-After', () => {
    expect(nextRetryDelayMs({ ...base, attemptNumber: 2, statusCode: 429, retryAfterMs: 1 * S })).toBe(5 * M);
    expect(nextRetryDelayMs({ ...base, attemptNumber: 2, statusCode: 503, retryAfterMs: 0 })).toBe(5 * M);
  });

  it('caps Retry-After at 10 h', () => {
    expect(nextRetryDelayMs({ ...base, statusCode: 503, retryAfterMs: 48 * H })).toBe(MAX_RETRY_AFTER_MS);
    expect(MAX_RETRY_AFTER_MS).toBe(10 * H);
  });

  it('compares Retry-After with the jittered delay', () => {
    const input = { ...base, attemptNumber: 2, jitter: true, random: () => 0.75, statusCode: 429 };
    expect(nextRetryDelayMs({ ...input, retryAfterMs: 1 * S })).toBe(5.5 * M);
    expect(nextRetryDelayMs({ ...input, retryAfterMs: 7 * M })).toBe(7 * M);
  });

  it('ignores Retry-After on other statuses', () => {
    for (const statusCode of [500, 502, 410, 200, null]) {
      expect(nextRetryDelayMs({ ...base, statusCode, retryAfterMs: 60 * S })).toBe(5 * S);
    }
  });

  it('still stops after the last attempt even with Retry-After', () => {
    expect(nextRetryDelayMs({ ...base, attemptNumber: 8, statusCode: 429, retryAfterMs: 60 * S })).toBeNull();
  });

  it.each([0, -1, 1.5, NaN])('rejects attemptNumber %p', (attemptNumber) => {
    expect(() => nextRetryDelayMs({ ...base, attemptNumber })).toThrow(RangeError);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-12-03T15:20:50.000Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120 * S);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an IMF-fixdate relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Thu, 03 Dec 2026 15:25:50 GMT', now)).toBe(5 * M);
    expect(parseRetryAfter('Thu, 03 Dec 2026 15:20:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now)).toBe(0);
  });

  it('reads the obsolete RFC 850 and asctime forms', () => {
    expect(parseRetryAfter('Thursday, 03-Dec-26 16:20:50 GMT', now)).toBe(1 * H);
    expect(parseRetryAfter('Thu Dec  3 15:21:50 2026', now)).toBe(1 * M);
    expect(parseRetryAfter('Fri Dec 11 15:20:50 2026', now)).toBe(8 * 24 * H);
  });

  it.each([
    undefined,
    '',
    '-5',
    '1.5',
    '5s',
    'soon',
    '2026-12-03T15:25:50Z',
    'Thu, 31 Feb 2026 15:25:50 GMT',
    'Thu, 03 Dec 2026 25:00:00 GMT',
    'Thu, 03 Dec 2026 15:25:50 PST',
    'Thu, 3 Dec 2026 15:25:50 GMT',
  ])('gives null for %p', (header) => {
    expect(parseRetryAfter(header, now)).toBeNull();
  });
});
