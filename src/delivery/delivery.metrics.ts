import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service';

export type AttemptOutcome = 'success' | 'http_error' | 'timeout' | 'network_error';

/** Delivery's counters and histogram; the gauges are registered by the processor, which can read the queue. */
@Injectable()
export class DeliveryMetrics {
  private readonly attempts: Counter<'outcome'>;
  private readonly duration: Histogram<'outcome'>;

  constructor(readonly metrics: MetricsService) {
    this.attempts = metrics.counter(
      'mailkatana_delivery_attempts_total',
      'Webhook delivery attempts by outcome',
      ['outcome'],
    );
    this.duration = metrics.histogram(
      'mailkatana_delivery_attempt_duration_seconds',
      'Duration of webhook delivery attempts (whole response)',
      ['outcome'],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    );
  }

  observe(statusCode: number | null, error: string | null, durationMs: number): void {
    const outcome: AttemptOutcome =
      statusCode !== null && statusCode >= 200 && statusCode < 300
        ? 'success'
        : statusCode !== null
          ? 'http_error'
          : error?.startsWith('timeout')
            ? 'timeout'
            : 'network_error';
    this.attempts.inc({ outcome });
    this.duration.observe({ outcome }, durationMs / 1000);
  }
}
