/**
 * Group commit for hot single-row writes: callers submit one item each and await its own result;
 * while `maxInFlight` batches are running, new items wait and go out together in the next one.
 * Under light load every item is written alone and at once (no timer, no added latency); under
 * load the batches grow by themselves, so the database sees fewer, larger statements.
 *
 * Items with the same key never share a batch (the later one waits for the next), so a batch
 * statement can match rows by key. When a batch fails, its items are retried one by one, so one
 * bad item fails alone and the others still land.
 */
export interface BatchOptions<T> {
  maxBatch: number;
  maxInFlight: number;
  key: (item: T) => string;
}

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class Batcher<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private inFlight = 0;
  private scheduled = false;

  /** `run` answers one result per item, in the items' order. */
  constructor(
    private readonly run: (items: T[]) => Promise<R[]>,
    private readonly opts: BatchOptions<T>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items submitted in the same turn of the event loop go out together. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length > 0) {
      const batch: Array<Pending<T, R>> = [];
      const keys = new Set<string>();
      const rest: Array<Pending<T, R>> = [];
      for (const p of this.queue) {
        const k = this.opts.key(p.item);
        if (batch.length < this.opts.maxBatch && !keys.has(k)) {
          keys.add(k);
          batch.push(p);
        } else rest.push(p);
      }
      this.queue = rest;
      this.inFlight++;
      void this.execute(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async execute(batch: Array<Pending<T, R>>): Promise<void> {
    try {
      const results = await this.run(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`batch answered ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // One by one: a single poisoned item must not fail the others.
      await Promise.all(
        batch.map((p) =>
          this.run([p.item]).then(
            (r) => (r.length === 1 ? p.resolve(r[0]!) : p.reject(err)),
            (e: unknown) => p.reject(e),
          ),
        ),
      );
    }
  }
}
