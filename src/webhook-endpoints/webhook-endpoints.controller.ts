import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { AuthContext, CanWrite, CurrentAuth } from '../auth/auth-context';
import { ListQueryDto } from '../common/pagination';
import {
  CreateWebhookEndpointDto,
  CreatedWebhookEndpointResponseDto,
  RotateSigningSecretDto,
  RotatedSigningSecretResponseDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointListResponseDto,
  WebhookEndpointResponseDto,
  WebhookEventTypeListResponseDto,
} from './webhook-endpoint.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

@ApiTags('webhook-endpoints')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @CanWrite()
  @Post()
  create(
    @CurrentAuth() who: AuthContext,
    @Body() dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointResponseDto> {
    return this.endpoints.create(who.workspaceId, dto);
  }

  @Get()
  list(
    @CurrentAuth() who: AuthContext,
    @Query() query: ListQueryDto,
  ): Promise<WebhookEndpointListResponseDto> {
    return this.endpoints.list(who.workspaceId, query);
  }

  @Get(':id')
  get(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<WebhookEndpointResponseDto> {
    return this.endpoints.get(who.workspaceId, id);
  }

  @CanWrite()
  @Patch(':id')
  update(
    @CurrentAuth() who: AuthContext,
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointResponseDto> {
    return this.endpoints.update(who.workspaceId, id, dto);
  }

  @CanWrite()
  @Delete(':id')
  @HttpCode(204)
  remove(@CurrentAuth() who: AuthContext, @Param('id') id: string): Promise<void> {
    return this.endpoints.remove(who.workspaceId, id);
  }

  @CanWrite()
  @Post(':id/signing-secret')
  @HttpCode(200)
  rotateSecret(
    @CurrentAuth() who: AuthContext,
    @Param('id') id: string,
    @Body() dto: RotateSigningSecretDto,
  ): Promise<RotatedSigningSecretResponseDto> {
    return this.endpoints.rotateSecret(who.workspaceId, id, dto.grace_period_seconds);
  }
}

@ApiTags('webhook-endpoints')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('v1/webhook-event-types')
export class WebhookEventTypesController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Get()
  list(): WebhookEventTypeListResponseDto {
    return this.endpoints.listEventTypes();
  }
}
