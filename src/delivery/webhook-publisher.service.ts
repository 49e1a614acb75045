import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventTypeRegistry } from '../common/event-types.registry';
import { WebhookEndpointsService } from '../webhook-endpoints/webhook-endpoints.service';
import { DeliveryQueue } from './delivery-queue';
import { DeliveryRepository } from './delivery.repository';
import { buildMessage } from './webhook-message';

export const TEST_EVENT_TYPE = 'testing.testEvent';

export interface PublishInput {
  workspaceId: string;
  type: string;
  data: Record<string, unknown>;
  idempotencyKey: string;
}

export interface PublishResult {
  messageId: string;
  duplicate: boolean;
  deliveryIds: string[];
}

/** How other modules hand a workspace event to Delivery. */
@Injectable()
export class WebhookPublisher implements OnModuleInit {
  constructor(
    private readonly repo: DeliveryRepository,
    private readonly endpoints: WebhookEndpointsService,
    private readonly queue: DeliveryQueue,
    private readonly eventTypes: EventTypeRegistry,
  ) {}

  onModuleInit(): void {
    this.eventTypes.register({
      type: TEST_EVENT_TYPE,
      description: 'A test event sent by POST /v1/webhook-endpoints/{id}/send-test',
    });
  }

  /**
   * Stores the message and one delivery per matching active endpoint in one transaction, then
   * queues them. The committed rows are the success: a job that could not be queued is queued by
   * the sweeper. The same idempotency key again returns the first message and adds nothing.
   */
  async publish(input: PublishInput): Promise<PublishResult> {
    const message = buildMessage(input.type, input.data, input.idempotencyKey);
    const endpoints = await this.endpoints.findActiveForEvent(input.workspaceId, input.type);
    const result = await this.repo.insertMessageWithDeliveries(
      input.workspaceId,
      message,
      endpoints.map((e) => e.id),
    );
    if (!result.duplicate) {
      await Promise.all(result.deliveryIds.map((id) => this.queue.enqueue(input.workspaceId, id, 0)));
    }
    return result;
  }
}
