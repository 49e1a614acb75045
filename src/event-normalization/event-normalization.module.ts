import { BullModule } from '@nestjs/bull';
import { Module, OnModuleInit } from '@nestjs/common';
import { EventTypeRegistry } from '../common/event-types.registry';
import { QUEUES } from '../common/queues';
import { ContactsModule } from '../contacts/contacts.module';
import { DeliveryModule } from '../delivery/delivery.module';
import {
  STRIPE_CONTACT_EVENT_DESCRIPTIONS,
  SUPPORTED_STRIPE_EVENT_TYPES,
} from '../stripe-integration/stripe-event-types';
import { StripeIntegrationModule } from '../stripe-integration/stripe-integration.module';
import { StripeNormalizationProcessor } from './stripe-normalization.processor';
import { StripeNormalizationService } from './stripe-normalization.service';

/**
 * Archived Stripe events → contacts and contact events → workspace events. This module publishes
 * `contact.created`, `contact.updated` and the 19 `stripe.<type>` events, so it registers them.
 */
@Module({
  imports: [
    BullModule.registerQueue({ name: QUEUES.stripeNormalization }),
    StripeIntegrationModule,
    ContactsModule,
    DeliveryModule,
  ],
  providers: [StripeNormalizationService, StripeNormalizationProcessor],
})
export class EventNormalizationModule implements OnModuleInit {
  constructor(private readonly registry: EventTypeRegistry) {}

  onModuleInit(): void {
    this.registry.register(
      {
        type: 'contact.created',
        description: 'A contact was created (first seen in a Stripe event with an email).',
      },
      {
        type: 'contact.updated',
        description: "A contact's email or name changed (from a Stripe customer event).",
      },
      ...SUPPORTED_STRIPE_EVENT_TYPES.map((t) => ({
        type: `stripe.${t}`,
        description: STRIPE_CONTACT_EVENT_DESCRIPTIONS[t],
      })),
    );
  }
}
