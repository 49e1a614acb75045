import { randomUUID } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import type { Job } from 'bull';
import type Redis from 'ioredis';
import { MetricsService } from '../common/metrics/metrics.service';
import { JobPayloads, QUEUES, withTimeout } from '../common/queues';
import { REDIS } from '../common/redis/redis';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EndpointForDelivery, WebhookEndpointsService } from '../webhook-endpoints/webhook-endpoints.service';
import { DeliveryAttempts, persistently } from './delivery-attempt.service';
import { DeliveryQueue, stepOfJobId } from './delivery-queue';
import { DeliveryRepository, LeasedDelivery } from './delivery.repository';
import { EndpointSemaphore } from './endpoint-semaphore';
import { WebhookSender } from './http-sender';

type DeliveryJob = JobPayloads[typeof QUEUES.delivery];

/** pg advisory lock key of the delivery sweeper (one sweeper at a time across all workers). */
const SWEEPER_LOCK_KEY = 0x6d6b_0d11;
const SWEEP_BATCH = 500;

/** Bull's job lock must outlast any attempt by far: it is lost on event-loop stalls and Redis hiccups too. */
export const lockDurationFor = (timeoutMs: number): number => Math.max(30_000, 4 * timeoutMs);

/** How long one attempt owns its delivery: the whole-response deadline plus room to record it. */
export const attemptLeaseMs = (timeoutMs: number): number => 2 * timeoutMs + 5_000;

/**
 * Runs delivery attempts from the queue (worker and all roles), and the sweeper that re-queues
 * what the queue lost. Postgres decides what is owed; a job is only a nudge to look at a row.
 */
@Injectable()
export class DeliveryProcessor
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly leaseMs: number;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly queue: DeliveryQueue,
    private readonly endpoints: WebhookEndpointsService,
    private readonly attempts: DeliveryAttempts,
    private readonly semaphore: EndpointSemaphore,
    private readonly sender: WebhookSender,
    private readonly metrics: MetricsService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.leaseMs = attemptLeaseMs(config.webhook.timeoutMs);
  }

  onModuleInit(): void {
    // Bull keeps its resolved settings on the queue, though its typings do not say so.
    const lock =
      (this.queue.queue as unknown as { settings?: { lockDuration?: number } }).settings?.lockDuration ??
      30_000;
    if (lock < 4 * this.config.webhook.timeoutMs) {
      throw new Error(
        `delivery queue lockDuration ${lock} ms must be at least 4 × WEBHOOK_TIMEOUT_MS (${this.config.webhook.timeoutMs} ms)`,
      );
    }
    this.registerGauges();
  }

  async onApplicationBootstrap(): Promise<void> {
    void this.warnUnlessNoEviction();
    if (this.config.role === 'api') return;
    this.queue.queue
      .process(this.config.webhook.workerConcurrency, (job: Job<DeliveryJob>) => this.handle(job))
      .catch((err: unknown) => this.logger.error({ err }, 'the delivery worker stopped'));
    this.sweeper = setInterval(() => void this.sweep(), this.config.webhook.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stop taking jobs and let in-flight attempts finish (an attempt ends within its timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweeper);
    await this.queue.queue
      .close()
      .catch((err: unknown) => this.logger.warn({ err }, 'closing the delivery queue failed'));
    await this.sweeping;
    // No attempt runs any more: hand this process's idle endpoint permits to the other workers.
    await this.semaphore.releaseIdle().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sender.close().catch(() => undefined);
  }

  /** One job: at most one attempt, and only if the row says one is owed now. */
  async handle(job: Job<DeliveryJob>): Promise<void> {
    const { deliveryId, workspaceId } = job.data;
    const token = randomUUID();
    // The lease, the checks (pending, due, this step, unleased) and the body in one statement.
    const d = await this.repo.leaseScheduled(
      workspaceId,
      deliveryId,
      stepOfJobId(job.id),
      this.leaseMs,
      token,
    );
    if (!d) return;
    // The endpoint as it is now, read in the lease's statement: its URL, live secrets, status.
    const endpoint = this.endpoints.deliveryTargetFrom(workspaceId, d.endpoint);
    if (!endpoint || endpoint.status !== 'active') {
      await this.repo.cancelLeased(workspaceId, deliveryId, token);
      return;
    }
    const { endpointConcurrency } = this.config.webhook;
    const permit = await this.semaphore.tryAcquire(d.endpointId, endpointConcurrency, this.leaseMs);
    if (!permit) {
      // The endpoint already has its share of attempts in flight: come back shortly, free this slot.
      const delay = 250 + Math.floor(Math.random() * 750);
      await this.repo.postponeLeased(workspaceId, deliveryId, token, delay);
      await this.queue.requeueAfterWait(workspaceId, deliveryId, d.retryStep, delay);
      return;
    }
    try {
      await this.attemptLeased(d, endpoint, token);
    } finally {
      this.semaphore.release(permit);
    }
  }

  private async attemptLeased(
    d: LeasedDelivery,
    endpoint: EndpointForDelivery,
    token: string,
  ): Promise<void> {
    const { workspaceId, id } = d;
    const result = await this.attempts.send(endpoint, d.messageId, d.body);
    const outcome = await persistently(() =>
      this.repo.recordScheduled(
        workspaceId,
        id,
        token,
        result,
        result.ok ? null : this.attempts.failurePlan(result),
      ),
    );
    if (outcome.next) await this.queue.enqueue(workspaceId, id, outcome.next.step, outcome.next.delayMs);
    // A success with no failing clock running changes nothing on the endpoint: skip the write.
    if (result.ok && endpoint.failingSince === null) return;
    // After the commit: disabling emits an event whose listener updates these same rows.
    try {
      if (result.gone) await this.endpoints.disable(workspaceId, d.endpointId, 'gone');
      else
        await this.endpoints.recordAttemptOutcome(
          workspaceId,
          d.endpointId,
          result.ok,
          this.config.webhook.disableAfterMs,
        );
    } catch (err) {
      this.logger.warn({ err, deliveryId: id }, 'could not update the endpoint after an attempt');
    }
  }

  /** Due for a while, unleased, and still pending: the queue lost it (flush, restart, dead worker). */
  sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    const graceMs = Math.min(30_000, Math.max(1_000, 2 * this.config.webhook.sweepIntervalMs));
    this.sweeping = this.repo
      .withTryAdvisoryLock(SWEEPER_LOCK_KEY, async () => {
        const overdue = await this.repo.findOverdue(graceMs, SWEEP_BATCH);
        let requeued = 0;
        for (const d of overdue) {
          if (await this.queue.ensureQueued(d.workspaceId, d.id, d.retryStep, this.leaseMs)) requeued++;
        }
        if (requeued > 0) this.logger.warn({ requeued }, 'sweeper re-queued deliveries the queue had lost');
      })
      .then(() => undefined)
      .catch((err: unknown) => this.logger.warn({ err }, 'delivery sweep failed'))
      .finally(() => {
        this.sweeping = null;
      });
    return this.sweeping;
  }

  private async warnUnlessNoEviction(): Promise<void> {
    try {
      const reply = (await withTimeout(
        this.redis.config('GET', 'maxmemory-policy'),
        2_000,
        'config get',
      )) as string[];
      const policy = reply?.[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn(
          `Redis maxmemory-policy is "${policy}", not "noeviction": under memory pressure Redis may evict queued jobs (the sweeper re-queues them, late)`,
        );
      }
    } catch (err) {
      this.logger.debug({ err }, 'could not read Redis maxmemory-policy');
    }
  }

  private registerGauges(): void {
    const queue = this.queue.queue;
    this.metrics.gauge(
      'mailkatana_delivery_queue_depth',
      'Delivery jobs in the queue by state',
      ['state'],
      async (g) => {
        const counts = await withTimeout(queue.getJobCounts(), 1_000, 'job counts');
        for (const [state, n] of Object.entries(counts)) g.set({ state }, n);
      },
    );
    this.metrics.gauge(
      'mailkatana_delivery_oldest_pending_age_seconds',
      'Age of the oldest pending delivery',
      [],
      async (g) => {
        g.set((await this.repo.pendingStats()).oldestAgeSeconds);
      },
    );
  }
}
