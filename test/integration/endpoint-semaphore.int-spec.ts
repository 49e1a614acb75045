import Redis from 'ioredis';
import { EndpointSemaphore, PERMIT_IDLE_MS, PERMIT_MAX_HOLD_MS } from '../../src/delivery/endpoint-semaphore';
import { redisUrlForWorker } from '../support/env';

/**
 * The per-endpoint cap on real Redis, with two semaphores standing for two worker processes
 * (each with its own connection, as each process has).
 */
describe('EndpointSemaphore (Redis)', () => {
  let redisA: Redis;
  let redisB: Redis;
  let a: EndpointSemaphore;
  let b: EndpointSemaphore;
  let ep: string;
  const LEASE = 20_000;
  const key = () => `mk:delivery:sem:${ep}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(() => {
    redisA = new Redis(redisUrlForWorker());
    redisB = new Redis(redisUrlForWorker());
  });
  afterAll(async () => {
    await redisA.quit();
    await redisB.quit();
  });
  beforeEach(() => {
    ep = `ep_sem_${Date.now()}_${Math.random().toString(36).slice(2)}`;
    a = new EndpointSemaphore(redisA);
    b = new EndpointSemaphore(redisB);
  });
  afterEach(async () => {
    await a.releaseIdle();
    await b.releaseIdle();
  });

  it('never lets two processes hold more than the limit between them', async () => {
    const held = await Promise.all([
      a.tryAcquire(ep, 3, LEASE),
      b.tryAcquire(ep, 3, LEASE),
      a.tryAcquire(ep, 3, LEASE),
      b.tryAcquire(ep, 3, LEASE),
      a.tryAcquire(ep, 3, LEASE),
    ]);
    expect(held.filter(Boolean)).toHaveLength(3);
    expect(await redisA.zcard(key())).toBe(3);
  });

  it('reuses a released permit locally, without another Redis slot', async () => {
    const first = (await a.tryAcquire(ep, 2, LEASE))!;
    a.release(first);
    const again = (await a.tryAcquire(ep, 2, LEASE))!;
    expect(again.token).toBe(first.token);
    expect(await redisA.zcard(key())).toBe(1);
    a.release(again);
  });

  it('gives idle permits back to Redis, so another process gets the slot', async () => {
    const p1 = (await a.tryAcquire(ep, 2, LEASE))!;
    const p2 = (await a.tryAcquire(ep, 2, LEASE))!;
    a.release(p1);
    a.release(p2);
    // Just released: still this process's, so the other process is refused for now.
    expect(await b.tryAcquire(ep, 2, LEASE)).toBeNull();
    await sleep(PERMIT_IDLE_MS + 150);
    expect(a.held(ep)).toEqual({ busy: 0, idle: 0 });
    expect(await redisA.zcard(key())).toBe(0);
    const got = await b.tryAcquire(ep, 2, LEASE);
    expect(got).not.toBeNull();
    b.release(got!);
  });

  it('drops a reused permit that expired and was taken away, and asks Redis again', async () => {
    const p = (await a.tryAcquire(ep, 1, LEASE))!;
    a.release(p);
    // As if this process stalled past the permit's life and another cleaned it up.
    await redisA.zrem(key(), p.token);
    p.expiresAt = Date.now() + 1_000; // too short for the next attempt's lease: must be refreshed
    const next = (await a.tryAcquire(ep, 1, LEASE))!;
    expect(next).not.toBeNull();
    expect(next.token).not.toBe(p.token);
    expect(await redisA.zrange(key(), 0, -1)).toEqual([next.token]);
    a.release(next);
  });

  it('extends a reused permit whose remaining life is shorter than a lease', async () => {
    const p = (await a.tryAcquire(ep, 1, LEASE))!;
    a.release(p);
    p.expiresAt = Date.now() + 1_000;
    const again = (await a.tryAcquire(ep, 1, LEASE))!;
    expect(again.token).toBe(p.token);
    expect(again.expiresAt).toBeGreaterThanOrEqual(Date.now() + LEASE);
    expect(Number(await redisA.zscore(key(), p.token))).toBe(again.expiresAt);
    a.release(again);
  });

  it('a dead process loses its permits when they expire', async () => {
    const shortLease = 300;
    const dead = (await a.tryAcquire(ep, 1, shortLease))!;
    expect(dead).not.toBeNull();
    expect(await b.tryAcquire(ep, 1, LEASE)).toBeNull();
    // `a` never releases (it died); its permit lives the lease plus the slack, then frees the slot.
    await redisA.zadd(key(), 'XX', String(Date.now() + shortLease), dead.token);
    await sleep(shortLease + 50);
    const got = await b.tryAcquire(ep, 1, LEASE);
    expect(got).not.toBeNull();
    b.release(got!);
  });

  it('releaseIdle hands every idle permit back at once', async () => {
    const ps = await Promise.all([1, 2, 3].map(() => a.tryAcquire(ep, 5, LEASE)));
    for (const p of ps) a.release(p!);
    expect(await redisA.zcard(key())).toBe(3);
    await a.releaseIdle();
    expect(await redisA.zcard(key())).toBe(0);
    expect(a.held(ep)).toEqual({ busy: 0, idle: 0 });
  });

  it('gives a permit held past the max hold back at its release, so a saturated endpoint is shared', async () => {
    // `a` holds the only slot and always has more work for it; `b` asks between a's attempts.
    let p = (await a.tryAcquire(ep, 1, LEASE))!;
    const started = Date.now();
    let bGot = null;
    let refusedBefore = 0;
    while (Date.now() - started < PERMIT_MAX_HOLD_MS + 2_000) {
      a.release(p);
      // Between two attempts of a's: the release went to Redis only once the hold was over.
      await redisA.ping(); // a's connection has sent anything the release sent
      bGot = await b.tryAcquire(ep, 1, LEASE);
      if (bGot) break;
      refusedBefore++;
      p = (await a.tryAcquire(ep, 1, LEASE))!;
      expect(p).not.toBeNull();
      await sleep(20);
    }
    expect(bGot).not.toBeNull();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(PERMIT_MAX_HOLD_MS);
    expect(waited).toBeLessThan(PERMIT_MAX_HOLD_MS + 500);
    expect(refusedBefore).toBeGreaterThan(10); // reused locally until then
    expect(await a.tryAcquire(ep, 1, LEASE)).toBeNull(); // the cap still holds
    b.release(bGot!);
  });
});
