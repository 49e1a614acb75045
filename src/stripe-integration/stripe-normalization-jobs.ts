import type { Queue } from 'bull';
import { DEFAULT_JOB_OPTIONS, JobPayloads, QUEUES, withTimeout } from '../common/queues';

export type StripeNormalizationJob = JobPayloads[typeof QUEUES.stripeNormalization];

/** Short: Redis being away must not hold Stripe's request; the committed row is the success. */
export const ENQUEUE_TIMEOUT_MS = 1500;

/**
 * One job per archived row: the job id is the row id, so the sweeper re-adding a job the queue
 * still holds is a no-op. Bull retries a failing normalization with backoff.
 */
export function enqueueNormalization(
  queue: Queue<StripeNormalizationJob>,
  job: StripeNormalizationJob,
): Promise<unknown> {
  return withTimeout(
    queue.add(job, {
      ...DEFAULT_JOB_OPTIONS,
      jobId: job.archivedEventId,
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
    }),
    ENQUEUE_TIMEOUT_MS,
    'stripe normalization enqueue',
  );
}
