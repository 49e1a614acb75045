import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ListQueryDto } from '../common/pagination';
import type { DeliveryStatus, WebhookAttemptEntity, WebhookDeliveryEntity } from './delivery.entity';

export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'cancelled'];

export class ListDeliveriesQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;
}

export class WebhookAttemptResponseDto {
  @ApiProperty({ example: 'att_01jd…' }) id: string;
  @ApiProperty() at: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'null when no response arrived (timeout, connection error, refused address)',
  })
  status_code: number | null;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ nullable: true, type: String, description: 'First 4 KiB of the response body' })
  response_excerpt: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'timeout after 2000 ms' }) error: string | null;

  static from(a: WebhookAttemptEntity): WebhookAttemptResponseDto {
    return {
      id: a.id,
      at: a.at.toISOString(),
      status_code: a.statusCode,
      duration_ms: a.durationMs,
      response_excerpt: a.responseExcerpt,
      error: a.error,
    };
  }
}

export class WebhookDeliveryResponseDto {
  @ApiProperty({ example: 'dlv_01jd…' }) id: string;
  @ApiProperty({ example: 'ep_01jd…' }) endpoint_id: string;
  @ApiProperty({ example: 'msg_01jd…' }) message_id: string;
  @ApiProperty({ example: 'stripe.invoice.paid' }) event_type: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attempt_count: number;
  @ApiProperty({ nullable: true, type: String }) next_attempt_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: WebhookAttemptResponseDto })
  last_attempt: WebhookAttemptResponseDto | null;

  static from(d: WebhookDeliveryEntity, last: WebhookAttemptEntity | undefined): WebhookDeliveryResponseDto {
    return {
      id: d.id,
      endpoint_id: d.endpointId,
      message_id: d.messageId,
      event_type: d.eventType,
      status: d.status,
      attempt_count: d.attemptCount,
      next_attempt_at: d.nextAttemptAt ? d.nextAttemptAt.toISOString() : null,
      created_at: d.createdAt.toISOString(),
      last_attempt: last ? WebhookAttemptResponseDto.from(last) : null,
    };
  }
}

export class WebhookDeliveryDetailResponseDto extends WebhookDeliveryResponseDto {
  @ApiProperty({ type: [WebhookAttemptResponseDto], description: 'All attempts, oldest first' })
  attempts: WebhookAttemptResponseDto[];

  @ApiProperty({ description: 'The whole JSON body we send: {type, timestamp, data}', type: Object })
  payload: Record<string, unknown>;
}

export class WebhookDeliveryListResponseDto {
  @ApiProperty({ type: [WebhookDeliveryResponseDto] }) data: WebhookDeliveryResponseDto[];
  @ApiProperty() has_more: boolean;
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class SendTestResponseDto {
  @ApiProperty({ description: 'Whether the receiver answered 2xx within the timeout' }) success: boolean;
  @ApiProperty({ type: WebhookDeliveryDetailResponseDto }) delivery: WebhookDeliveryDetailResponseDto;
}
