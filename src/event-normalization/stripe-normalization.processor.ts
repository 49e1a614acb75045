import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { JobPayloads, QUEUES } from '../common/queues';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { StripeNormalizationService } from './stripe-normalization.service';

/** Normalization jobs at once per process; each is a few short transactions. */
export const NORMALIZATION_CONCURRENCY = 5;

/**
 * The consumer of QUEUES.stripeNormalization. Attached by hand (no @Processor) so the process role
 * decides: an `api` process only enqueues.
 */
@Injectable()
export class StripeNormalizationProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(StripeNormalizationProcessor.name);

  constructor(
    @InjectQueue(QUEUES.stripeNormalization)
    private readonly queue: Queue<JobPayloads[typeof QUEUES.stripeNormalization]>,
    private readonly normalization: StripeNormalizationService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
    // process() settles only when the queue closes, so it is not awaited.
    this.queue
      .process(NORMALIZATION_CONCURRENCY, (job) => this.normalization.processJob(job.data))
      .catch((err: Error) => this.logger.error(`normalization consumer stopped: ${err.message}`));
  }
}
