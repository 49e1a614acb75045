import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { JobOptions, Queue } from 'bull';
import { DEFAULT_JOB_OPTIONS, JobPayloads, QUEUES, withTimeout } from '../common/queues';

type DeliveryJob = JobPayloads[typeof QUEUES.delivery];

/** Bull may hang while Redis is away; the database row is the record, so enqueueing is bounded. */
const ENQUEUE_TIMEOUT_MS = 2_000;

/** Our own failures (database down) are retried by Bull; the database lease keeps a re-run single. */
const JOB_OPTIONS: JobOptions = {
  ...DEFAULT_JOB_OPTIONS,
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
};

/**
 * The deterministic job id of a delivery's scheduled attempt: re-adding it while the job exists is
 * a no-op, so the sweeper cannot duplicate queue entries. It only de-duplicates the queue; the
 * database lease and `retry_step` are what keep an attempt from being sent twice.
 */
export function jobIdFor(deliveryId: string, step: number): string {
  return `${deliveryId}-s${step}`;
}

/** The schedule step a job was queued for, or null for a job whose id we did not make. */
export function stepOfJobId(jobId: string | number | undefined): number | null {
  const m = /-s(\d+)(?:-|$)/.exec(String(jobId ?? ''));
  return m ? Number(m[1]) : null;
}

@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);

  constructor(@InjectQueue(QUEUES.delivery) readonly queue: Queue<DeliveryJob>) {}

  private add(data: DeliveryJob, jobId: string, delayMs: number): Promise<unknown> {
    return withTimeout(
      this.queue.add(data, { ...JOB_OPTIONS, jobId, delay: Math.max(0, Math.round(delayMs)) }),
      ENQUEUE_TIMEOUT_MS,
      `enqueue ${jobId}`,
    );
  }

  /** Queues a scheduled attempt. Never throws: a miss is picked up by the sweeper. */
  async enqueue(workspaceId: string, deliveryId: string, step: number, delayMs = 0): Promise<boolean> {
    try {
      await this.add({ deliveryId, workspaceId }, jobIdFor(deliveryId, step), delayMs);
      return true;
    } catch (err) {
      this.logger.warn({ err, deliveryId }, 'could not queue a delivery; the sweeper will');
      return false;
    }
  }

  /** The endpoint's cap is full: the same attempt again shortly, under a fresh id (the current job is still active). */
  async requeueAfterWait(
    workspaceId: string,
    deliveryId: string,
    step: number,
    delayMs: number,
  ): Promise<void> {
    const jobId = `${jobIdFor(deliveryId, step)}-w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    await this.add({ deliveryId, workspaceId }, jobId, delayMs).catch((err: unknown) =>
      this.logger.warn({ err, deliveryId }, 'could not re-queue a capped delivery; the sweeper will'),
    );
  }

  /**
   * The sweeper's repair of one overdue delivery. Its job is missing (Redis flushed or restarted),
   * or left over as failed/completed (removed, then re-added), or active long past any attempt's
   * lease (its worker died; Bull would only notice when the lock expires): then a rescue job.
   */
  async ensureQueued(
    workspaceId: string,
    deliveryId: string,
    step: number,
    staleAfterMs: number,
  ): Promise<boolean> {
    const jobId = jobIdFor(deliveryId, step);
    const data = { deliveryId, workspaceId };
    const job = await withTimeout(this.queue.getJob(jobId), ENQUEUE_TIMEOUT_MS, `get ${jobId}`);
    if (job) {
      const state = await withTimeout(job.getState(), ENQUEUE_TIMEOUT_MS, `state ${jobId}`);
      if (state === 'waiting' || state === 'delayed' || state === 'paused') return false;
      if (state === 'active') {
        if (job.processedOn && Date.now() - job.processedOn < staleAfterMs) return false;
        await this.add(data, `${jobId}-r${Date.now().toString(36)}`, 0);
        return true;
      }
      await withTimeout(job.remove(), ENQUEUE_TIMEOUT_MS, `remove ${jobId}`).catch(() => undefined);
    }
    await this.add(data, jobId, 0);
    return true;
  }
}
