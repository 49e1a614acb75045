import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips, with a fresh IV each time', () => {
    const a = box.encrypt('whsec_abc', 'ep_1');
    const b = box.encrypt('whsec_abc', 'ep_1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\./);
    expect(a).not.toContain('whsec_abc');
    expect(box.decrypt(a, 'ep_1')).toBe('whsec_abc');
  });

  it('refuses another row id (aad), another key, and tampering', () => {
    const stored = box.encrypt('secret', 'ep_1');
    expect(() => box.decrypt(stored, 'ep_2')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).decrypt(stored, 'ep_1')).toThrow();
    const parts = stored.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64url').toString('latin1'), 'latin1').toString(
      'base64url',
    );
    expect(() => box.decrypt(parts.join('.'), 'ep_1')).toThrow();
    expect(() => box.decrypt('v2.a.b.c')).toThrow(/unreadable/);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow();
  });
});
