import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDuration, parseDurationList } from '../common/duration';

export type ProcessRole = 'all' | 'api' | 'worker';
export type NodeEnv = 'development' | 'test' | 'production';

/** One typed view of the environment, read and validated once at boot. Nothing else reads process.env. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  role: ProcessRole;
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
  publicBaseUrl: string;
  /** 32-byte key for AES-256-GCM of stored secrets. */
  secretsKey: Buffer;
  /** Where the key came from, so start-up can say so (never the key itself). */
  secretsKeySource: 'env' | 'generated' | 'file';
  metricsToken: string | null;
  logLevel: string;
  version: string;
  auth: {
    signupLimitPerHour: number;
    sessionTtlMs: number;
    loginMaxFailures: number;
    loginFailureWindowMs: number;
    loginIpLimitPerMinute: number;
  };
  webhook: {
    timeoutMs: number;
    allowHttpUrls: boolean;
    allowPrivateUrls: boolean;
    endpointConcurrency: number;
    workerConcurrency: number;
    /** null: the contract's default schedule with jitter; a list: followed exactly. */
    retryScheduleMs: number[] | null;
    disableAfterMs: number;
    sweepIntervalMs: number;
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${v}")`);
  }
  return Number(v);
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined) return def;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(name, `must be true or false (got "${v}")`);
}

function duration(env: Env, name: string, def: string): number {
  const v = str(env, name) ?? def;
  try {
    const ms = parseDuration(v);
    if (ms <= 0) throw new Error('must be positive');
    return ms;
  } catch {
    throw new ConfigError(name, `must be a duration like 15s, 500ms, 5m, 2h or 5d (got "${v}")`);
  }
}

function url(env: Env, name: string, def: string, protocols: string[]): string {
  const v = str(env, name) ?? def;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, `must be a URL (got "${redactUrl(v)}")`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')} (got "${redactUrl(v)}")`);
  }
  return v;
}

function redactUrl(v: string): string {
  return v.replace(/\/\/[^@/]*@/, '//***@');
}

function loadSecretsKey(
  env: Env,
  nodeEnv: NodeEnv,
  keyFile: string,
): Pick<AppConfig, 'secretsKey' | 'secretsKeySource'> {
  const v = str(env, 'SECRETS_KEY');
  if (v !== undefined) {
    const key = Buffer.from(v, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(v) || key.length !== 32) {
      throw new ConfigError('SECRETS_KEY', 'must be 32 bytes encoded in base64 (openssl rand -base64 32)');
    }
    return { secretsKey: key, secretsKeySource: 'env' };
  }
  if (nodeEnv === 'production') {
    throw new ConfigError('SECRETS_KEY', 'is required when NODE_ENV is production (openssl rand -base64 32)');
  }
  // Development and test only: a random key made once and kept in a git-ignored file only this user can read.
  if (existsSync(keyFile)) {
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32)
      throw new ConfigError('SECRETS_KEY', `is unset and ${keyFile} does not hold a 32-byte key`);
    return { secretsKey: key, secretsKeySource: 'file' };
  }
  const key = randomBytes(32);
  writeFileSync(keyFile, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(keyFile, 0o600);
  return { secretsKey: key, secretsKeySource: 'generated' };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(env: Env, nodeEnv: NodeEnv): string {
  const v = str(env, 'LOG_LEVEL');
  if (v === undefined) return nodeEnv === 'test' ? 'silent' : 'info';
  if (!LOG_LEVELS.includes(v))
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${v}")`);
  return v;
}

export interface LoadConfigOptions {
  /** Where a development key is kept when SECRETS_KEY is unset. */
  keyFile?: string;
  version?: string;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): AppConfig {
  const nodeEnvRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'test', 'production'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, test or production (got "${nodeEnvRaw}")`);
  }
  const nodeEnv = nodeEnvRaw as NodeEnv;
  const role = (str(env, 'MAILKATANA_ROLE') ?? 'all') as ProcessRole;
  if (!['all', 'api', 'worker'].includes(role)) {
    throw new ConfigError('MAILKATANA_ROLE', `must be all, api or worker (got "${role}")`);
  }
  const port = int(env, 'PORT', 3000, 0, 65535);
  const publicBaseUrl = url(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`, ['http:', 'https:']).replace(
    /\/+$/,
    '',
  );
  const scheduleRaw = str(env, 'WEBHOOK_RETRY_SCHEDULE');
  let retryScheduleMs: number[] | null = null;
  if (scheduleRaw !== undefined) {
    try {
      retryScheduleMs = parseDurationList(scheduleRaw);
    } catch {
      throw new ConfigError(
        'WEBHOOK_RETRY_SCHEDULE',
        `must be a comma-separated list of durations like 1s,2s (got "${scheduleRaw}")`,
      );
    }
  }
  // The name says milliseconds, so a bare integer is read as ms; a duration with a unit works too.
  const timeoutRaw = str(env, 'WEBHOOK_TIMEOUT_MS');
  const timeoutMs = duration(
    { WEBHOOK_TIMEOUT_MS: timeoutRaw && /^\d+$/.test(timeoutRaw) ? `${timeoutRaw}ms` : timeoutRaw },
    'WEBHOOK_TIMEOUT_MS',
    '15000ms',
  );
  const endpointConcurrency = int(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 10, 1, 1000);
  const metricsToken = str(env, 'METRICS_TOKEN') ?? null;
  return {
    nodeEnv,
    role,
    port,
    host: str(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/mailkatana', [
      'postgres:',
      'postgresql:',
    ]),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    publicBaseUrl,
    ...loadSecretsKey(env, nodeEnv, options.keyFile ?? resolve(process.cwd(), '.secrets-key')),
    metricsToken,
    logLevel: logLevel(env, nodeEnv),
    version: options.version ?? '0.1.0',
    auth: {
      signupLimitPerHour: int(env, 'AUTH_SIGNUP_LIMIT_PER_HOUR', 30, 0, 1_000_000),
      sessionTtlMs: duration(env, 'SESSION_TTL', '7d'),
      loginMaxFailures: 10,
      loginFailureWindowMs: 15 * 60_000,
      loginIpLimitPerMinute: 100,
    },
    webhook: {
      timeoutMs,
      allowHttpUrls: bool(env, 'WEBHOOK_ALLOW_HTTP_URLS', false),
      allowPrivateUrls: bool(env, 'WEBHOOK_ALLOW_PRIVATE_URLS', false),
      endpointConcurrency,
      // The worker's own concurrency must exceed one endpoint's cap, or one dead endpoint fills every slot.
      workerConcurrency: int(
        env,
        'WEBHOOK_WORKER_CONCURRENCY',
        Math.max(50, endpointConcurrency * 2),
        1,
        5000,
      ),
      retryScheduleMs,
      disableAfterMs: duration(env, 'WEBHOOK_DISABLE_AFTER', '5d'),
      sweepIntervalMs: duration(env, 'WEBHOOK_SWEEP_INTERVAL', '10s'),
    },
  };
}

/** Injection token for the config object. */
export const APP_CONFIG = Symbol('APP_CONFIG');
