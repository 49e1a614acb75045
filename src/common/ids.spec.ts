import { isId, newId } from './ids';

describe('newId', () => {
  it('is the prefix and 26 URL-safe characters', () => {
    const id = newId('ep');
    expect(id).toMatch(/^ep_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isId('ep', id)).toBe(true);
    expect(isId('msg', id)).toBe(false);
  });

  it('encodes the 48-bit millisecond time in its first 10 characters', () => {
    const A = '0123456789abcdefghjkmnpqrstvwxyz';
    for (const t of [0, 1, 31, 32, 1764770000123, 2 ** 48 - 1]) {
      const time = newId('ep', t).slice(3, 13);
      expect([...time].reduce((n, c) => n * 32 + A.indexOf(c), 0)).toBe(t);
    }
  });

  it('sorts by creation time', () => {
    const ids = [0, 1, 1000, 2 ** 40, Date.now()].map((t) => newId('msg', t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('carries 80 fresh random bits: same millisecond, different ids, no counter', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 1000 }, () => newId('dlv', now)));
    expect(ids.size).toBe(1000);
    const tails = [...ids].map((id) => id.slice(-16));
    expect(new Set(tails.map((t) => t[0])).size).toBeGreaterThan(1);
    expect(new Set([...ids].map((id) => id.slice(0, 14))).size).toBe(1); // prefix + 10 time chars
  });
});
