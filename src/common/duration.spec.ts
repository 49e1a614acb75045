import { parseDuration, parseDurationList } from './duration';

describe('parseDuration', () => {
  it.each([
    ['0ms', 0],
    ['500ms', 500],
    ['15s', 15_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['5d', 432_000_000],
    [' 10s ', 10_000],
    ['007s', 7_000],
  ])('parses %p as %p ms', (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });

  it.each(['', '15', '1.5s', '-1s', '+1s', '1 s', '1S', '1sec', 'ms', '1w', '1s2s', '1e3ms', '0x10s'])(
    'rejects %p with a message naming the format',
    (input) => {
      expect(() => parseDuration(input)).toThrow(/invalid duration .*<integer><ms\|s\|m\|h\|d>/);
    },
  );

  it('rejects values that overflow a safe integer', () => {
    expect(() => parseDuration('99999999999999999999d')).toThrow(/too large/);
  });

  it('rejects non-strings without a TypeError', () => {
    expect(() => parseDuration(undefined as unknown as string)).toThrow(/invalid duration/);
  });
});

describe('parseDurationList', () => {
  it('parses a comma list in order', () => {
    expect(parseDurationList('1s,2s')).toEqual([1_000, 2_000]);
    expect(parseDurationList('5s, 5m ,30m')).toEqual([5_000, 300_000, 1_800_000]);
    expect(parseDurationList('250ms')).toEqual([250]);
  });

  it.each(['', '   ', '1s,', ',1s', '1s,,2s'])('rejects %p (empty list or item)', (input) => {
    expect(() => parseDurationList(input)).toThrow(/invalid duration list/);
  });

  it('names the bad item', () => {
    expect(() => parseDurationList('1s,2x,3s')).toThrow(/item 2: invalid duration "2x"/);
  });
});
