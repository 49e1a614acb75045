import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const KEY = randomBytes(32).toString('base64');

describe('loadConfig', () => {
  let dir: string;
  let keyFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mk-config-'));
    keyFile = join(dir, '.secrets-key');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Record<string, string | undefined>) => loadConfig(env, { keyFile });

  it('has the documented defaults', () => {
    const c = load({});
    expect(c).toMatchObject({
      nodeEnv: 'development',
      role: 'all',
      port: 3000,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/mailkatana',
      redisUrl: 'redis://127.0.0.1:6379',
      publicBaseUrl: 'http://localhost:3000',
      metricsToken: null,
      auth: {
        signupLimitPerHour: 30,
        sessionTtlMs: 7 * 86_400_000,
        loginMaxFailures: 10,
        loginIpLimitPerMinute: 100,
      },
      webhook: {
        timeoutMs: 15_000,
        allowHttpUrls: false,
        allowPrivateUrls: false,
        endpointConcurrency: 10,
        retryScheduleMs: null,
        disableAfterMs: 5 * 86_400_000,
      },
    });
  });

  it('derives PUBLIC_BASE_URL from PORT and trims a trailing slash', () => {
    expect(load({ PORT: '8080' }).publicBaseUrl).toBe('http://localhost:8080');
    expect(load({ PUBLIC_BASE_URL: 'https://hooks.example.test/' }).publicBaseUrl).toBe(
      'https://hooks.example.test',
    );
  });

  it('reads every setting', () => {
    const c = load({
      NODE_ENV: 'production',
      SECRETS_KEY: KEY,
      MAILKATANA_ROLE: 'worker',
      PORT: '0',
      DATABASE_URL: 'postgresql://u:p@db:5432/x',
      REDIS_URL: 'rediss://cache:6380/2',
      METRICS_TOKEN: 'scrape',
      AUTH_SIGNUP_LIMIT_PER_HOUR: '0',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_SCHEDULE: '1s,2s',
      WEBHOOK_ALLOW_HTTP_URLS: 'true',
      WEBHOOK_ALLOW_PRIVATE_URLS: '1',
      WEBHOOK_ENDPOINT_CONCURRENCY: '3',
      WEBHOOK_DISABLE_AFTER: '1h',
    });
    expect(c).toMatchObject({
      nodeEnv: 'production',
      role: 'worker',
      port: 0,
      metricsToken: 'scrape',
      secretsKeySource: 'env',
      auth: { signupLimitPerHour: 0 },
      webhook: {
        timeoutMs: 2000,
        retryScheduleMs: [1000, 2000],
        allowHttpUrls: true,
        allowPrivateUrls: true,
        endpointConcurrency: 3,
        disableAfterMs: 3_600_000,
      },
    });
    expect(c.secretsKey.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(c.webhook.workerConcurrency).toBeGreaterThan(c.webhook.endpointConcurrency);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['NODE_ENV', 'staging'],
    ['MAILKATANA_ROLE', 'both'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['PUBLIC_BASE_URL', 'ftp://example.test'],
    ['AUTH_SIGNUP_LIMIT_PER_HOUR', 'lots'],
    ['WEBHOOK_TIMEOUT_MS', '2 seconds'],
    ['WEBHOOK_RETRY_SCHEDULE', '1s,,2s'],
    ['WEBHOOK_ALLOW_HTTP_URLS', 'yes please'],
    ['WEBHOOK_DISABLE_AFTER', '5 days'],
    ['WEBHOOK_ENDPOINT_CONCURRENCY', '0'],
    ['SECRETS_KEY', 'short'],
    ['SECRETS_KEY', randomBytes(16).toString('base64')],
  ])('refuses %s=%p with one line naming the variable', (name, value) => {
    let err: unknown;
    try {
      load({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as ConfigError).message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect((err as ConfigError).message).not.toContain('\n');
  });

  it('takes pino log levels only, naming LOG_LEVEL otherwise', () => {
    expect(load({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(() => load({ LOG_LEVEL: 'loud' })).toThrow(/^Invalid configuration: LOG_LEVEL must be one of/);
  });

  it('never prints a password from a bad URL', () => {
    expect(() => load({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).toThrow(/\*\*\*@/);
    expect(() => load({ DATABASE_URL: 'mysql://admin:hunter2@db/x' })).not.toThrow(/hunter2/);
  });

  describe('SECRETS_KEY', () => {
    it('is required in production', () => {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(/SECRETS_KEY is required/);
      expect(() => statSync(keyFile)).toThrow();
    });

    it('in development, makes a random key once in a file only its user can read, then reuses it', () => {
      const first = load({ NODE_ENV: 'development' });
      expect(first.secretsKeySource).toBe('generated');
      expect(first.secretsKey).toHaveLength(32);
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').equals(first.secretsKey)).toBe(true);
      const second = load({ NODE_ENV: 'test' });
      expect(second.secretsKeySource).toBe('file');
      expect(second.secretsKey.equals(first.secretsKey)).toBe(true);
    });

    it('makes a different key for each fresh file (none is written in the code)', () => {
      const a = load({}).secretsKey;
      rmSync(keyFile);
      const b = load({}).secretsKey;
      expect(a.equals(b)).toBe(false);
    });

    it('refuses a key file that does not hold a 32-byte key', () => {
      writeFileSync(keyFile, 'garbage\n', { mode: 0o600 });
      expect(() => load({})).toThrow(/SECRETS_KEY/);
    });

    it('prefers SECRETS_KEY over the file', () => {
      load({});
      const c = load({ SECRETS_KEY: KEY });
      expect(c.secretsKeySource).toBe('env');
      expect(c.secretsKey.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    });
  });
});
