import { Batcher } from './batching';

/** A run function whose batches we can see and finish by hand. */
function controlled<T>() {
  const batches: Array<{ items: T[]; finish: (fail?: Error) => void }> = [];
  const run = (items: T[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        items,
        finish: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `done:${String(i)}`))),
      });
    });
  return { batches, run };
}

/** A few turns of the event loop: enough for a finished batch to start the next. */
const tick = async () => {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
};

describe('Batcher', () => {
  it('writes an item alone and at once when nothing else is running', async () => {
    const { batches, run } = controlled<string>();
    const b = new Batcher(run, { maxBatch: 10, maxInFlight: 1, key: (s) => s });
    const p = b.submit('a');
    await tick();
    expect(batches.map((x) => x.items)).toEqual([['a']]);
    batches[0]!.finish();
    await expect(p).resolves.toBe('done:a');
  });

  it('groups what arrives while a batch is running into the next one, in order', async () => {
    const { batches, run } = controlled<string>();
    const b = new Batcher(run, { maxBatch: 10, maxInFlight: 1, key: (s) => s });
    const first = b.submit('a');
    await tick();
    const rest = ['b', 'c', 'd'].map((s) => b.submit(s));
    await tick();
    expect(batches).toHaveLength(1); // still waiting on the first
    batches[0]!.finish();
    await first;
    await tick();
    expect(batches.map((x) => x.items)).toEqual([['a'], ['b', 'c', 'd']]);
    batches[1]!.finish();
    await expect(Promise.all(rest)).resolves.toEqual(['done:b', 'done:c', 'done:d']);
  });

  it('never puts two items with the same key in one batch, nor more than maxBatch', async () => {
    const { batches, run } = controlled<string>();
    const b = new Batcher(run, { maxBatch: 2, maxInFlight: 1, key: (s) => s.split(':')[0]! });
    const ps = ['x:1', 'x:2', 'y', 'z'].map((s) => b.submit(s));
    await tick();
    expect(batches[0]!.items).toEqual(['x:1', 'y']);
    batches[0]!.finish();
    await tick();
    expect(batches[1]!.items).toEqual(['x:2', 'z']);
    batches[1]!.finish();
    await expect(Promise.all(ps)).resolves.toHaveLength(4);
  });

  it('runs up to maxInFlight batches at once', async () => {
    const { batches, run } = controlled<number>();
    const b = new Batcher(run, { maxBatch: 1, maxInFlight: 2, key: String });
    const ps = [1, 2, 3].map((n) => b.submit(n));
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[1], [2]]);
    batches[1]!.finish();
    await tick();
    expect(batches.map((x) => x.items)).toEqual([[1], [2], [3]]);
    batches[0]!.finish();
    batches[2]!.finish();
    await expect(Promise.all(ps)).resolves.toEqual(['done:1', 'done:2', 'done:3']);
  });

  it('when a batch fails, retries its items one by one so only the bad one fails', async () => {
    const seen: string[][] = [];
    const run = async (items: string[]) => {
      seen.push(items);
      if (items.includes('bad')) throw new Error(`cannot write ${items.join(',')}`);
      return items.map((i) => `ok:${i}`);
    };
    const b = new Batcher(run, { maxBatch: 10, maxInFlight: 1, key: (s) => s });
    const ps = ['a', 'bad', 'c'].map((s) => b.submit(s));
    const settled = await Promise.allSettled(ps);
    expect(seen[0]).toEqual(['a', 'bad', 'c']);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('cannot write bad');
    expect((settled[0] as PromiseFulfilledResult<string>).value).toBe('ok:a');
  });

  it('treats a wrong number of results as a failure, not as anyone’s answer', async () => {
    let calls = 0;
    const run = async (items: string[]) => {
      calls++;
      return items.length > 1 ? ['only one'] : [`ok:${items[0]}`];
    };
    const b = new Batcher(run, { maxBatch: 10, maxInFlight: 1, key: (s) => s });
    await expect(Promise.all([b.submit('a'), b.submit('b')])).resolves.toEqual(['ok:a', 'ok:b']);
    expect(calls).toBe(3);
  });

  it('a lone item that fails rejects with the error as it was', async () => {
    const err = new Error('database is away');
    const b = new Batcher(
      async () => {
        throw err;
      },
      { maxBatch: 10, maxInFlight: 1, key: (s: string) => s },
    );
    await expect(b.submit('a')).rejects.toBe(err);
  });
});
