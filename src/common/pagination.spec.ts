import { randomBytes } from 'node:crypto';
import { AppError } from './errors';
import { CursorCodec } from './pagination';

describe('CursorCodec', () => {
  const codec = new CursorCodec(randomBytes(32));
  const pos = { at: '2026-12-03T15:20:50.123Z', id: 'ep_01' };

  it('round-trips a position', () => {
    expect(codec.decode('endpoints', codec.encode('endpoints', pos))).toEqual(pos);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['empty', ''],
    [
      'a forged body',
      `${Buffer.from(JSON.stringify(['2030-01-01T00:00:00Z', 'x'])).toString('base64url')}.AAAAAAAAAAAAAAAA`,
    ],
  ])('refuses %s with 400 validation_failed on cursor', (_what, cursor) => {
    let e: unknown;
    try {
      codec.decode('endpoints', cursor);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('validation_failed');
    expect((e as AppError).details?.[0]?.field).toBe('cursor');
  });

  it('refuses a cursor from another list or another key', () => {
    const c = codec.encode('endpoints', pos);
    expect(() => codec.decode('deliveries', c)).toThrow(AppError);
    expect(() => new CursorCodec(randomBytes(32)).decode('endpoints', c)).toThrow(AppError);
  });
});
