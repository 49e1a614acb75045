import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One prom-client registry per application (not the global default, so several apps in one
 * process, as in tests, do not collide). Modules get-or-create their metrics here.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'mailkatana_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return (
      (this.registry.getSingleMetric(name) as Counter<L>) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    return (
      (this.registry.getSingleMetric(name) as Histogram<L>) ??
      new Histogram({
        name,
        help,
        labelNames,
        buckets: buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [this.registry],
      })
    );
  }

  /** A gauge whose value is read when /metrics is scraped. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    collect?: (g: Gauge<L>) => Promise<void>,
  ): Gauge<L> {
    return (
      (this.registry.getSingleMetric(name) as Gauge<L>) ??
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        ...(collect
          ? {
              async collect(this: Gauge<L>) {
                await collect(this).catch(() => undefined);
              },
            }
          : {}),
      })
    );
  }
}
