import { checkWebhookUrl, ipLiteralOf, isLocalhostName, Resolver, withTimeout } from './url-policy';

/** A resolver backed by a map; unknown names fail like NXDOMAIN. Records every name asked. */
function fakeResolver(map: Record<string, string[]>): Resolver & { asked: string[] } {
  const asked: string[] = [];
  const resolver = async (hostname: string): Promise<string[]> => {
    asked.push(hostname);
    const answer = map[hostname];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolver, { asked });
}

const dns = {
  'hooks.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
  'internal.example.com': ['10.0.0.5'],
  'loop.example.com': ['127.0.0.1'],
  'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
  'mixed-private.example.com': ['10.0.0.5', '0.0.0.0'],
  'meta.example.com': ['169.254.169.254'],
  'v6meta.example.com': ['2606:2800:220:1::1', 'fd00:ec2::254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'nat64.example.com': ['64:ff9b::a9fe:a9fe'],
  'empty.example.com': [],
  'xn--bcher-kva.example': ['93.184.216.34'],
};

const strict = { allowHttp: false, allowPrivate: false, resolver: fakeResolver(dns) };
const lenient = { allowHttp: true, allowPrivate: true, resolver: fakeResolver(dns) };

describe('checkWebhookUrl: shape', () => {
  it('accepts an https URL and returns it normalised', async () => {
    await expect(checkWebhookUrl('https://hooks.example.com/mk?x=1', strict)).resolves.toEqual({
      ok: true,
      url: 'https://hooks.example.com/mk?x=1',
    });
    await expect(checkWebhookUrl('HTTPS://Hooks.Example.COM', strict)).resolves.toEqual({
      ok: true,
      url: 'https://hooks.example.com/',
    });
  });

  it.each([
    [42, 'url must be a string'],
    [null, 'url must be a string'],
    ['', 'url must not be empty'],
    ['hooks.example.com/mk', 'url must be an https URL'],
    ['/relative/path', 'url must be an https URL'],
    ['http://hooks.example.com/', 'url must be an https URL'],
    ['ftp://hooks.example.com/', 'url must be an https URL'],
    ['javascript:alert(1)', 'url must be an https URL'],
    ['https://a.b.c.1/', 'url is not a valid URL'],
    ['https://[::1/', 'url is not a valid URL'],
    ['https://user:pass@hooks.example.com/', 'url must not contain credentials'],
    ['https://user@hooks.example.com/', 'url must not contain credentials'],
    ['https://:pass@hooks.example.com/', 'url must not contain credentials'],
    [' https://hooks.example.com/', 'url must not contain whitespace or control characters'],
    ['https://hooks.exa\tmple.com/', 'url must not contain whitespace or control characters'],
    ['https://hooks.example.com/\n', 'url must not contain whitespace or control characters'],
  ])('refuses %p: %s', async (raw, message) => {
    await expect(checkWebhookUrl(raw, strict)).resolves.toEqual({ ok: false, message });
  });

  it('allows http only with allowHttp, and says which schemes are allowed', async () => {
    await expect(
      checkWebhookUrl('http://hooks.example.com/', { ...strict, allowHttp: true }),
    ).resolves.toEqual({
      ok: true,
      url: 'http://hooks.example.com/',
    });
    await expect(
      checkWebhookUrl('ftp://hooks.example.com/', { ...strict, allowHttp: true }),
    ).resolves.toEqual({
      ok: false,
      message: 'url must be an http or https URL',
    });
  });

  it('limits the length to 2048 characters, before and after normalisation', async () => {
    const base = 'https://hooks.example.com/';
    const exact = base + 'a'.repeat(2048 - base.length);
    await expect(checkWebhookUrl(exact, strict)).resolves.toEqual({ ok: true, url: exact });
    await expect(checkWebhookUrl(exact + 'a', strict)).resolves.toEqual({
      ok: false,
      message: 'url must be at most 2048 characters',
    });
    // 1000 "é" are 1000 characters typed but 6000 once percent-encoded.
    await expect(checkWebhookUrl(base + 'é'.repeat(1000), strict)).resolves.toEqual({
      ok: false,
      message: 'url must be at most 2048 characters',
    });
  });
});

describe('checkWebhookUrl: IP literals', () => {
  it.each([
    'https://127.0.0.1/',
    'https://0x7f000001/',
    'https://2130706433/',
    'https://0177.0.0.1/',
    'https://127.1/',
    'https://127.0.0.1./',
    'https://[::1]/',
    'https://[::ffff:127.0.0.1]/',
    'https://[::127.0.0.1]/',
    'https://[0:0:0:0:0:0:0:1]:8443/x',
  ])('refuses %p as loopback without DNS, and allows it with allowPrivate', async (raw) => {
    const resolver = fakeResolver({});
    await expect(checkWebhookUrl(raw, { ...strict, resolver })).resolves.toEqual({
      ok: false,
      message: 'url is a forbidden address (loopback)',
    });
    await expect(checkWebhookUrl(raw, { ...lenient, resolver })).resolves.toMatchObject({ ok: true });
    expect(resolver.asked).toEqual([]);
  });

  it.each([
    ['https://10.1.2.3/', 'private'],
    ['https://0xa9fea9fe/', 'metadata'],
    ['https://169.254.169.254/latest/meta-data/', 'metadata'],
    ['https://[fd00:ec2::254]/', 'metadata'],
    ['https://[64:ff9b::a9fe:a9fe]/', 'metadata'],
    ['https://0.0.0.0/', 'forbidden'],
    ['https://0/', 'forbidden'],
    ['https://224.0.0.1/', 'forbidden'],
    ['https://[::]/', 'forbidden'],
    ['https://[::ffff:8.8.8.8]/', 'forbidden'],
    ['https://[2002:7f00:1::1]/', 'loopback'],
  ])('refuses %p (%s)', async (raw, cls) => {
    await expect(checkWebhookUrl(raw, strict)).resolves.toEqual({
      ok: false,
      message: `url is a forbidden address (${cls})`,
    });
  });

  it('never lets metadata or forbidden literals through, even with allowPrivate', async () => {
    for (const raw of ['https://169.254.169.254/', 'https://[fd00:ec2::254]/', 'https://0.0.0.0/']) {
      await expect(checkWebhookUrl(raw, lenient)).resolves.toMatchObject({ ok: false });
    }
  });

  it('accepts public literals, normalised', async () => {
    await expect(checkWebhookUrl('https://0x08080808:8443/h', strict)).resolves.toEqual({
      ok: true,
      url: 'https://8.8.8.8:8443/h',
    });
    await expect(checkWebhookUrl('https://[2606:4700:4700:0:0:0:0:1111]/', strict)).resolves.toEqual({
      ok: true,
      url: 'https://[2606:4700:4700::1111]/',
    });
  });
});

describe('checkWebhookUrl: names', () => {
  it.each([
    'https://localhost/',
    'https://LOCALHOST:3000/x',
    'https://localhost./',
    'https://api.localhost/',
  ])('treats %p as loopback without asking DNS', async (raw) => {
    const resolver = fakeResolver({ localhost: ['8.8.8.8'], 'api.localhost': ['8.8.8.8'] });
    await expect(checkWebhookUrl(raw, { ...strict, resolver })).resolves.toEqual({
      ok: false,
      message: 'url resolves to a forbidden address (loopback)',
    });
    await expect(checkWebhookUrl(raw, { ...lenient, resolver })).resolves.toMatchObject({ ok: true });
    expect(resolver.asked).toEqual([]);
  });

  it('accepts a name whose every address is public', async () => {
    await expect(checkWebhookUrl('https://hooks.example.com/', strict)).resolves.toMatchObject({ ok: true });
  });

  it('resolves the punycode form of an internationalised name', async () => {
    const resolver = fakeResolver(dns);
    await expect(checkWebhookUrl('https://bücher.example/', { ...strict, resolver })).resolves.toEqual({
      ok: true,
      url: 'https://xn--bcher-kva.example/',
    });
    expect(resolver.asked).toEqual(['xn--bcher-kva.example']);
  });

  it.each([
    ['internal.example.com', 'private'],
    ['loop.example.com', 'loopback'],
    ['mixed.example.com', 'loopback'],
    ['meta.example.com', 'metadata'],
    ['v6meta.example.com', 'metadata'],
    ['mapped.example.com', 'loopback'],
    ['nat64.example.com', 'metadata'],
  ])('refuses %p because an address is %s', async (host, cls) => {
    await expect(checkWebhookUrl(`https://${host}/`, strict)).resolves.toEqual({
      ok: false,
      message: `url resolves to a forbidden address (${cls})`,
    });
  });

  it('with allowPrivate, allows private and loopback answers but not metadata or forbidden ones', async () => {
    await expect(checkWebhookUrl('https://internal.example.com/', lenient)).resolves.toMatchObject({
      ok: true,
    });
    await expect(checkWebhookUrl('https://mixed.example.com/', lenient)).resolves.toMatchObject({ ok: true });
    await expect(checkWebhookUrl('https://meta.example.com/', lenient)).resolves.toEqual({
      ok: false,
      message: 'url resolves to a forbidden address (metadata)',
    });
    await expect(checkWebhookUrl('https://mixed-private.example.com/', lenient)).resolves.toEqual({
      ok: false,
      message: 'url resolves to a forbidden address (forbidden)',
    });
  });

  it('accepts a name that does not resolve, resolves to nothing, or throws synchronously', async () => {
    await expect(checkWebhookUrl('https://nxdomain.example.com/', strict)).resolves.toMatchObject({
      ok: true,
    });
    await expect(checkWebhookUrl('https://empty.example.com/', strict)).resolves.toMatchObject({ ok: true });
    const throwing: Resolver = () => {
      throw new Error('boom');
    };
    await expect(
      checkWebhookUrl('https://x.example.com/', { ...strict, resolver: throwing }),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it('accepts a name whose lookup outlasts the timeout', async () => {
    const hanging: Resolver = () => new Promise(() => undefined);
    const started = Date.now();
    await expect(
      checkWebhookUrl('https://slow.example.com/', { ...strict, resolver: hanging, resolveTimeoutMs: 50 }),
    ).resolves.toEqual({ ok: true, url: 'https://slow.example.com/' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('helpers', () => {
  it('ipLiteralOf finds literals only', () => {
    expect(ipLiteralOf(new URL('https://127.1/'))).toBe('127.0.0.1');
    expect(ipLiteralOf(new URL('https://[::ffff:127.0.0.1]/'))).toBe('::ffff:7f00:1');
    expect(ipLiteralOf(new URL('https://example.com/'))).toBeNull();
  });

  it('isLocalhostName', () => {
    expect(isLocalhostName('localhost')).toBe(true);
    expect(isLocalhostName('a.b.localhost.')).toBe(true);
    expect(isLocalhostName('localhost.example.com')).toBe(false);
    expect(isLocalhostName('notlocalhost')).toBe(false);
  });

  it('withTimeout rejects with the message after the deadline, and passes results through', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, 'too slow')).rejects.toThrow('too slow');
    await expect(withTimeout(Promise.resolve(7), 10, 'too slow')).resolves.toBe(7);
  });
});
