import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QUEUES } from '../common/queues';
import { StripeEventArchive } from './stripe-event-archive.service';
import { StripeIngestionService } from './stripe-ingestion.service';
import { StripeIntegrationController } from './stripe-integration.controller';
import { StripeEventEntity, StripeIntegrationEntity } from './stripe-integration.entity';
import { StripeIntegrationRepository } from './stripe-integration.repository';
import { StripeIntegrationService } from './stripe-integration.service';
import { StripeNormalizationSweeper } from './stripe-normalization.sweeper';
import { StripeWebhookController } from './stripe-webhook.controller';

/**
 * Stripe settings, the public ingestion route and the event archive. It archives and queues
 * normalization by id; EventNormalization consumes the queue and uses StripeEventArchive.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([StripeIntegrationEntity, StripeEventEntity]),
    BullModule.registerQueue({ name: QUEUES.stripeNormalization }),
  ],
  controllers: [StripeIntegrationController, StripeWebhookController],
  providers: [
    StripeIntegrationRepository,
    StripeIntegrationService,
    StripeIngestionService,
    StripeEventArchive,
    StripeNormalizationSweeper,
  ],
  exports: [StripeEventArchive, BullModule],
})
export class StripeIntegrationModule {}
