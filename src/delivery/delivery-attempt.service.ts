import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeliveryMetrics } from './delivery.metrics';
import type { AttemptRecord, FailurePlan } from './delivery.repository';
import { WebhookSender } from './http-sender';
import { DEFAULT_RETRY_SCHEDULE_MS, nextRetryDelayMs, parseRetryAfter } from './retry-schedule';
import { buildWebhookHeaders } from './signing';

export interface AttemptResult extends AttemptRecord {
  ok: boolean;
  gone: boolean;
  retryAfter: string | null;
}

export const isSuccess = (statusCode: number | null): boolean =>
  statusCode !== null && statusCode >= 200 && statusCode < 300;

/** One signed POST of a message's stored bytes: the part shared by scheduled attempts, retries and tests. */
@Injectable()
export class DeliveryAttempts {
  constructor(
    private readonly sender: WebhookSender,
    private readonly metrics: DeliveryMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async send(
    endpoint: { url: string; secrets: string[] },
    messageId: string,
    body: string,
  ): Promise<AttemptResult> {
    const at = new Date();
    // Signed afresh for every attempt: a new timestamp, the same webhook-id.
    const headers = buildWebhookHeaders({
      msgId: messageId,
      timestampSeconds: Math.floor(at.getTime() / 1000),
      body,
      secrets: endpoint.secrets,
      version: this.config.version,
    });
    const res = await this.sender.send({ url: endpoint.url, headers: { ...headers }, body });
    this.metrics.observe(res.statusCode, res.error, res.durationMs);
    return {
      at,
      statusCode: res.statusCode,
      durationMs: res.durationMs,
      responseExcerpt: res.responseExcerpt,
      error: res.error,
      retryAfter: res.retryAfter,
      ok: isSuccess(res.statusCode),
      gone: res.statusCode === 410,
    };
  }

  /** How a failed scheduled attempt continues: the contract's schedule, Retry-After on 429/503. */
  failurePlan(result: AttemptResult): FailurePlan {
    const custom = this.config.webhook.retryScheduleMs;
    const retryAfterMs = parseRetryAfter(result.retryAfter ?? undefined, new Date());
    return {
      gone: result.gone,
      delayAfter: (attemptNumber) =>
        nextRetryDelayMs({
          attemptNumber,
          schedule: custom ?? DEFAULT_RETRY_SCHEDULE_MS,
          jitter: custom === null,
          retryAfterMs,
          statusCode: result.statusCode,
        }),
    };
  }
}

/** Recording an outcome is retried in-process before anything could re-send it (a DB blip must not cause a resend). */
export async function persistently<T>(
  fn: () => Promise<T>,
  delaysMs: number[] = [100, 300, 1_000, 2_000, 4_000],
): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= delaysMs.length) throw err;
      await new Promise((r) => setTimeout(r, delaysMs[i]));
    }
  }
}
