import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { AuthContext, CanWrite, CurrentAuth } from '../auth/auth-context';
import {
  ListDeliveriesQueryDto,
  SendTestResponseDto,
  WebhookDeliveryDetailResponseDto,
  WebhookDeliveryListResponseDto,
  WebhookDeliveryResponseDto,
} from './delivery.dto';
import { DeliveryService } from './delivery.service';

/** Delivery routes that sit under an endpoint's URL; the endpoints module owns the rest of that path. */
@ApiTags('webhook-deliveries')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/webhook-endpoints')
export class EndpointDeliveriesController {
  constructor(private readonly deliveries: DeliveryService) {}

  @CanWrite()
  @Post(':id/send-test')
  @HttpCode(200)
  sendTest(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<SendTestResponseDto> {
    return this.deliveries.sendTest(who.workspaceId, id);
  }

  @Get(':id/deliveries')
  list(
    @CurrentAuth() who: AuthContext,
    @Param('id') id: string,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<WebhookDeliveryListResponseDto> {
    return this.deliveries.listForEndpoint(who.workspaceId, id, query);
  }
}

@ApiTags('webhook-deliveries')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: DeliveryService) {}

  @Get(':id')
  get(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<WebhookDeliveryDetailResponseDto> {
    return this.deliveries.get(who.workspaceId, id);
  }

  @CanWrite()
  @Post(':id/retry')
  @HttpCode(202)
  retry(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<WebhookDeliveryResponseDto> {
    return this.deliveries.retry(who.workspaceId, id);
  }
}
