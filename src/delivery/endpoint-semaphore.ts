import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { REDIS } from '../common/redis/redis';

/**
 * Bull 4 has no per-group concurrency, so each endpoint gets a counting semaphore in Redis: a
 * sorted set of permit tokens scored by their expiry. Expired permits (a worker that died holding
 * some) are dropped on every acquire, so a slot is never lost for longer than a permit's life.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`;

/** Extends a permit this process still holds; 0 when it expired and someone dropped it. */
const REFRESH = `
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], 'XX', ARGV[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
return 0`;

type SemaphoreRedis = Redis & {
  mkSemaphoreAcquire(
    key: string,
    now: string,
    expires: string,
    token: string,
    limit: string,
    ttl: string,
  ): Promise<number>;
  mkSemaphoreRefresh(key: string, expires: string, token: string, ttl: string): Promise<number>;
};

/** One slot of an endpoint's cap, held in Redis by this process until its expiry. */
export interface Permit {
  readonly endpointId: string;
  readonly token: string;
  /** When Redis granted it: after {@link PERMIT_MAX_HOLD_MS} it goes back at its next release. */
  readonly grantedAt: number;
  expiresAt: number;
  idleSince: number;
}

interface EndpointPermits {
  idle: Permit[];
  busy: number;
  trim: NodeJS.Timeout | null;
}

/** A permit lives this much longer than the attempt it is granted for, so reuse rarely has to extend it. */
const PERMIT_SLACK_MS = 5_000;
/** A permit nobody here has reused for this long goes back to Redis, for other workers. */
export const PERMIT_IDLE_MS = 200;
/**
 * A permit held this long goes back to Redis when its attempt ends, even with more work here: a
 * worker that joins while an endpoint is saturated gets its share within about a second, instead
 * of waiting for the current holder's backlog to run out.
 */
export const PERMIT_MAX_HOLD_MS = 1_000;

/**
 * The per-endpoint cap across every worker. A process keeps the permits it got from Redis and
 * reuses them locally while it has work for that endpoint, so a busy endpoint costs a Redis call
 * only when this process needs one more slot, a reused permit needs a longer life, or a permit has
 * been held for {@link PERMIT_MAX_HOLD_MS} (then it goes back, so other workers get their share);
 * permits idle for {@link PERMIT_IDLE_MS} are given back too. Every attempt in flight holds its own permit, so
 * the cap holds across processes; a process that dies loses its permits when they expire.
 */
@Injectable()
export class EndpointSemaphore {
  private readonly redis: SemaphoreRedis;
  private readonly endpoints = new Map<string, EndpointPermits>();

  constructor(@Inject(REDIS) redis: Redis) {
    // Defined commands run by EVALSHA: a script is sent once, not with every call.
    if (!('mkSemaphoreAcquire' in redis)) {
      redis.defineCommand('mkSemaphoreAcquire', { numberOfKeys: 1, lua: ACQUIRE });
      redis.defineCommand('mkSemaphoreRefresh', { numberOfKeys: 1, lua: REFRESH });
    }
    this.redis = redis as SemaphoreRedis;
  }

  private key(endpointId: string): string {
    return `mk:delivery:sem:${endpointId}`;
  }

  private stateOf(endpointId: string): EndpointPermits {
    let s = this.endpoints.get(endpointId);
    if (!s) {
      s = { idle: [], busy: 0, trim: null };
      this.endpoints.set(endpointId, s);
    }
    return s;
  }

  /**
   * A permit for one attempt that may run for up to `leaseMs`, or null when the endpoint already
   * has `limit` attempts in flight across all workers. Give it back with {@link release}.
   */
  async tryAcquire(endpointId: string, limit: number, leaseMs: number): Promise<Permit | null> {
    const s = this.stateOf(endpointId);
    s.busy++;
    try {
      for (let p = s.idle.pop(); p; p = s.idle.pop()) {
        if (p.expiresAt - Date.now() >= leaseMs) return p;
        if (await this.refresh(p, leaseMs)) return p;
      }
      const now = Date.now();
      const permit: Permit = {
        endpointId,
        token: randomUUID(),
        grantedAt: now,
        expiresAt: now + leaseMs + PERMIT_SLACK_MS,
        idleSince: 0,
      };
      const got = await this.redis.mkSemaphoreAcquire(
        this.key(endpointId),
        String(now),
        String(permit.expiresAt),
        permit.token,
        String(limit),
        String(2 * (leaseMs + PERMIT_SLACK_MS)),
      );
      if (got === 1) return permit;
      s.busy--;
      return null;
    } catch (err) {
      s.busy--;
      throw err;
    } finally {
      this.forgetIfUnused(endpointId, s);
    }
  }

  /** The attempt is over: the permit waits here for the next attempt to the same endpoint, or goes back. */
  release(permit: Permit): void {
    const s = this.stateOf(permit.endpointId);
    s.busy = Math.max(0, s.busy - 1);
    const now = Date.now();
    if (permit.expiresAt <= now || now - permit.grantedAt >= PERMIT_MAX_HOLD_MS) {
      this.forgetIfUnused(permit.endpointId, s);
      if (permit.expiresAt > now) {
        void this.redis.zrem(this.key(permit.endpointId), permit.token).catch(() => undefined);
      }
      return;
    }
    permit.idleSince = now;
    s.idle.push(permit);
    if (!s.trim) s.trim = this.scheduleTrim(permit.endpointId, s, PERMIT_IDLE_MS);
  }

  /** Permits held here, in use or idle (for tests and gauges). */
  held(endpointId: string): { busy: number; idle: number } {
    const s = this.endpoints.get(endpointId);
    return { busy: s?.busy ?? 0, idle: s?.idle.length ?? 0 };
  }

  /** Gives every idle permit back now (at shutdown, after the last attempt). */
  async releaseIdle(): Promise<void> {
    await Promise.all(
      [...this.endpoints.entries()].map(([endpointId, s]) => {
        if (s.trim) clearTimeout(s.trim);
        s.trim = null;
        return this.trimNow(endpointId, s, 0);
      }),
    );
  }

  private async refresh(p: Permit, leaseMs: number): Promise<boolean> {
    const expiresAt = Date.now() + leaseMs + PERMIT_SLACK_MS;
    const ok = await this.redis.mkSemaphoreRefresh(
      this.key(p.endpointId),
      String(expiresAt),
      p.token,
      String(2 * (leaseMs + PERMIT_SLACK_MS)),
    );
    if (ok !== 1) return false;
    p.expiresAt = expiresAt;
    return true;
  }

  private scheduleTrim(endpointId: string, s: EndpointPermits, delayMs: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      s.trim = null;
      void this.trimNow(endpointId, s, PERMIT_IDLE_MS).catch(() => undefined);
    }, delayMs);
    timer.unref();
    return timer;
  }

  /** Returns permits idle for at least `idleMs` to Redis; re-arms while younger idle ones remain. */
  private async trimNow(endpointId: string, s: EndpointPermits, idleMs: number): Promise<void> {
    const now = Date.now();
    const stale = s.idle.filter((p) => now - p.idleSince >= idleMs || p.expiresAt <= now);
    s.idle = s.idle.filter((p) => !stale.includes(p));
    if (s.idle.length > 0 && !s.trim) {
      const next = Math.min(...s.idle.map((p) => p.idleSince)) + PERMIT_IDLE_MS - now;
      s.trim = this.scheduleTrim(endpointId, s, Math.max(1, next));
    }
    this.forgetIfUnused(endpointId, s);
    if (stale.length > 0) await this.redis.zrem(this.key(endpointId), ...stale.map((p) => p.token));
  }

  private forgetIfUnused(endpointId: string, s: EndpointPermits): void {
    if (s.busy === 0 && s.idle.length === 0 && !s.trim && this.endpoints.get(endpointId) === s) {
      this.endpoints.delete(endpointId);
    }
  }
}
