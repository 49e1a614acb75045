import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppError, notFound } from '../common/errors';
import { newId } from '../common/ids';
import { Page } from '../common/pagination';
import { RateLimiter } from '../common/redis/rate-limiter.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  ENDPOINT_DELETED,
  ENDPOINT_DISABLED,
  EndpointDeletedEvent,
  EndpointDisabledEvent,
} from '../webhook-endpoints/webhook-endpoint.events';
import { WebhookEndpointsService } from '../webhook-endpoints/webhook-endpoints.service';
import { DeliveryAttempts, persistently } from './delivery-attempt.service';
import { attemptLeaseMs } from './delivery.processor';
import {
  ListDeliveriesQueryDto,
  SendTestResponseDto,
  WebhookAttemptResponseDto,
  WebhookDeliveryDetailResponseDto,
  WebhookDeliveryResponseDto,
} from './delivery.dto';
import { DeliveryRepository } from './delivery.repository';
import { TEST_EVENT_TYPE } from './webhook-publisher.service';
import { buildMessage } from './webhook-message';

const SEND_TEST_LIMIT = 10;
const SEND_TEST_WINDOW_MS = 60_000;

/** The delivery routes, and Delivery's reactions to endpoint events. */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    private readonly repo: DeliveryRepository,
    private readonly endpoints: WebhookEndpointsService,
    private readonly attempts: DeliveryAttempts,
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * One attempt within the request, whatever the endpoint's status or filter, recorded as a final
   * delivery. It bypasses the queue and the endpoint's cap, and never touches the endpoint.
   */
  async sendTest(workspaceId: string, endpointId: string): Promise<SendTestResponseDto> {
    const endpoint = await this.endpoints.loadForDelivery(workspaceId, endpointId);
    if (!endpoint) throw notFound('endpoint');
    await this.limiter.consume(
      `send-test:${endpointId}`,
      SEND_TEST_LIMIT,
      SEND_TEST_WINDOW_MS,
      'at most 10 test events per endpoint per minute',
    );
    const message = buildMessage(
      TEST_EVENT_TYPE,
      {
        workspace_id: workspaceId,
        endpoint_id: endpointId,
        message: 'This is a test event from MailKatana Webhooks.',
      },
      null,
    );
    const result = await this.attempts.send(endpoint, message.id, message.body);
    const deliveryId = newId('dlv', message.createdAt.getTime());
    await persistently(() =>
      this.repo.insertTestDelivery(
        workspaceId,
        message,
        { id: deliveryId, endpointId, status: result.ok ? 'succeeded' : 'failed' },
        result,
      ),
    );
    return { success: result.ok, delivery: await this.get(workspaceId, deliveryId) };
  }

  async listForEndpoint(
    workspaceId: string,
    endpointId: string,
    query: ListDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryResponseDto>> {
    if (!(await this.endpoints.exists(workspaceId, endpointId))) throw notFound('endpoint');
    const page = await this.repo.listForEndpoint(workspaceId, endpointId, query, query.status);
    const last = await this.repo.lastAttempts(
      workspaceId,
      page.rows.map((d) => d.id),
    );
    return {
      data: page.rows.map((d) => WebhookDeliveryResponseDto.from(d, last.get(d.id))),
      has_more: page.has_more,
      next_cursor: page.next_cursor,
    };
  }

  /** Readable after its endpoint is deleted: deliveries are the workspace's record. */
  async get(workspaceId: string, id: string): Promise<WebhookDeliveryDetailResponseDto> {
    const d = await this.repo.findById(workspaceId, id);
    if (!d) throw notFound('delivery');
    const [attempts, body] = await Promise.all([
      this.repo.attempts(workspaceId, id),
      this.repo.messageBody(workspaceId, d.messageId),
    ]);
    return {
      ...WebhookDeliveryResponseDto.from(d, attempts[attempts.length - 1]),
      attempts: attempts.map((a) => WebhookAttemptResponseDto.from(a)),
      payload: body === null ? {} : (JSON.parse(body) as Record<string, unknown>),
    };
  }

  /**
   * One extra attempt now, outside the schedule, whatever the delivery's status. Success makes it
   * succeeded (a pending scheduled job then finds nothing to do); failure changes nothing else.
   */
  async retry(workspaceId: string, id: string): Promise<WebhookDeliveryResponseDto> {
    const d = await this.repo.findById(workspaceId, id);
    if (!d) throw notFound('delivery');
    const endpoint = await this.endpoints.loadForDelivery(workspaceId, d.endpointId);
    if (!endpoint) throw notFound('endpoint');
    if (endpoint.status !== 'active')
      throw new AppError('conflict', 'the endpoint is disabled; enable it to retry its deliveries');
    if (d.isTest) throw new AppError('conflict', 'test deliveries are never retried; send another test');
    const body = await this.repo.messageBody(workspaceId, d.messageId);
    if (body === null) throw notFound('delivery');
    const token = randomUUID();
    if (
      !(await this.repo.leaseManual(workspaceId, id, attemptLeaseMs(this.config.webhook.timeoutMs), token))
    ) {
      throw new AppError('conflict', 'an attempt of this delivery is in progress; try again shortly');
    }
    let result;
    try {
      result = await this.attempts.send(endpoint, d.messageId, body);
    } catch (err) {
      await this.repo.releaseLease(workspaceId, id, token).catch(() => undefined);
      throw err;
    }
    const r = result;
    await persistently(() =>
      this.repo.recordManual(workspaceId, id, token, r, r.ok ? 'ok' : r.gone ? 'gone' : 'failed'),
    );
    try {
      if (r.gone) await this.endpoints.disable(workspaceId, d.endpointId, 'gone');
      else
        await this.endpoints.recordAttemptOutcome(
          workspaceId,
          d.endpointId,
          r.ok,
          this.config.webhook.disableAfterMs,
        );
    } catch (err) {
      this.logger.warn({ err, deliveryId: id }, 'could not update the endpoint after a manual retry');
    }
    const { attempts: _attempts, payload: _payload, ...resource } = await this.get(workspaceId, id);
    return resource;
  }

  @OnEvent(ENDPOINT_DELETED)
  async onEndpointDeleted(e: EndpointDeletedEvent): Promise<void> {
    await this.cancelPending(e.workspaceId, e.endpointId);
  }

  /** A disabled endpoint is not delivered to: what it is owed now is cancelled, not held. */
  @OnEvent(ENDPOINT_DISABLED)
  async onEndpointDisabled(e: EndpointDisabledEvent): Promise<void> {
    await this.cancelPending(e.workspaceId, e.endpointId);
  }

  private async cancelPending(workspaceId: string, endpointId: string): Promise<void> {
    try {
      await persistently(() => this.repo.cancelPendingForEndpoint(workspaceId, endpointId), [100, 500]);
    } catch (err) {
      // Each attempt re-reads its endpoint first, so a miss here is still never delivered.
      this.logger.warn({ err, endpointId }, 'could not cancel pending deliveries of an endpoint');
    }
  }
}
