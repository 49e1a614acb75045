import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DEFAULT_JOB_OPTIONS, QUEUES } from '../common/queues';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { Resolver } from '../webhook-endpoints/url-policy/url-policy';
import { URL_RESOLVER, WebhookEndpointsModule } from '../webhook-endpoints/webhook-endpoints.module';
import { DeliveryAttempts } from './delivery-attempt.service';
import { DeliveryQueue } from './delivery-queue';
import { EndpointDeliveriesController, WebhookDeliveriesController } from './delivery.controller';
import { WebhookAttemptEntity, WebhookDeliveryEntity, WebhookMessageEntity } from './delivery.entity';
import { DeliveryMetrics } from './delivery.metrics';
import { DeliveryProcessor, lockDurationFor } from './delivery.processor';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryService } from './delivery.service';
import { EndpointSemaphore } from './endpoint-semaphore';
import { WebhookSender } from './http-sender';
import { webhookUserAgent } from './signing';
import { WebhookPublisher } from './webhook-publisher.service';

/** Messages, deliveries and attempts: signed, retried, at-least-once delivery through Bull. */
@Module({
  imports: [
    WebhookEndpointsModule,
    TypeOrmModule.forFeature([WebhookMessageEntity, WebhookDeliveryEntity, WebhookAttemptEntity]),
    BullModule.registerQueueAsync({
      name: QUEUES.delivery,
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        settings: { lockDuration: lockDurationFor(c.webhook.timeoutMs) },
        defaultJobOptions: { ...DEFAULT_JOB_OPTIONS },
      }),
    }),
  ],
  controllers: [EndpointDeliveriesController, WebhookDeliveriesController],
  providers: [
    {
      // One sender (one connection pool) per app, closed on shutdown by the processor.
      provide: WebhookSender,
      inject: [APP_CONFIG, URL_RESOLVER],
      useFactory: (c: AppConfig, resolver: Resolver) =>
        new WebhookSender({
          timeoutMs: c.webhook.timeoutMs,
          allowPrivate: c.webhook.allowPrivateUrls,
          resolver,
          userAgent: webhookUserAgent(c.version),
        }),
    },
    DeliveryRepository,
    DeliveryQueue,
    DeliveryMetrics,
    DeliveryAttempts,
    EndpointSemaphore,
    WebhookPublisher,
    DeliveryService,
    DeliveryProcessor,
  ],
  exports: [WebhookPublisher],
})
export class DeliveryModule {}
