/**
 * Durations in settings are `<integer><unit>` with unit ms, s, m, h or d (e.g. `500ms`, `15s`, `5d`).
 * Deliberately strict: no decimals, no signs, no spaces inside, no bare numbers — a bare `15000` could
 * mean seconds to one operator and milliseconds to another.
 */
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;

const EXPECTED = 'expected <integer><ms|s|m|h|d>, e.g. 500ms, 15s, 5m, 2h, 5d';

/** Parses one duration into milliseconds; surrounding whitespace is ignored. */
export function parseDuration(s: string): number {
  // The typeof guard is for values that arrive untyped (env parsing), where a throw beats a TypeError.
  const match = typeof s === 'string' ? DURATION.exec(s.trim()) : null;
  if (!match) {
    throw new Error(`invalid duration ${JSON.stringify(s)}: ${EXPECTED}`);
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(ms)) {
    throw new Error(`invalid duration ${JSON.stringify(s)}: too large`);
  }
  return ms;
}

/** Parses a comma-separated list such as `1s,2s,5m` (spaces around items allowed); empty items are errors. */
export function parseDurationList(s: string): number[] {
  if (typeof s !== 'string' || s.trim() === '') {
    throw new Error(`invalid duration list ${JSON.stringify(s)}: ${EXPECTED}, separated by commas`);
  }
  return s.split(',').map((item, index) => {
    if (item.trim() === '') {
      throw new Error(`invalid duration list ${JSON.stringify(s)}: item ${index + 1} is empty`);
    }
    try {
      return parseDuration(item);
    } catch (err) {
      throw new Error(
        `invalid duration list ${JSON.stringify(s)}: item ${index + 1}: ${(err as Error).message}`,
      );
    }
  });
}
