import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bull';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { QUEUES } from '../common/queues';
import { StripeNormalizationJob, enqueueNormalization } from './stripe-normalization-jobs';
import { StripeIntegrationRepository } from './stripe-integration.repository';

/** Any fixed 64-bit number, the same for every instance: one sweeper at a time across them. */
const SWEEP_LOCK = 7_230_114_503;
/** Older than this, a pending row's job is presumed lost (a normal one is queued within the request). */
export const PENDING_GRACE_MS = 30_000;
const BATCH = 500;

/**
 * Re-queues archived events still `pending` whose job the queue lost (Redis flushed or away when
 * the event came in). A plain interval, not a Bull repeatable job, which a flush would erase.
 */
@Injectable()
export class StripeNormalizationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('StripeNormalizationSweeper');
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly repo: StripeIntegrationRepository,
    @InjectQueue(QUEUES.stripeNormalization) private readonly queue: Queue<StripeNormalizationJob>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    this.timer = setInterval(() => void this.tick(), this.config.webhook.sweepIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sweepOnce();
    } catch (e) {
      this.logger.warn(
        { reason: (e as Error)?.message },
        'stripe normalization sweep failed; next interval retries',
      );
    } finally {
      this.running = false;
    }
  }

  /** One pass; returns how many jobs were (re-)added, or null when another instance holds the lock. */
  async sweepOnce(olderThanMs: number = PENDING_GRACE_MS): Promise<number | null> {
    let added = 0;
    const won = await this.repo.withTryLock(SWEEP_LOCK, async () => {
      const rows = await this.repo.findPendingForSweep(olderThanMs, BATCH);
      for (const r of rows) {
        // Same job id as the ingestion's: a no-op when the queue still holds the job.
        await enqueueNormalization(this.queue, { archivedEventId: r.id, workspaceId: r.workspaceId });
        added++;
      }
    });
    if (added) this.logger.log({ added }, 're-queued pending stripe events');
    return won ? added : null;
  }
}
