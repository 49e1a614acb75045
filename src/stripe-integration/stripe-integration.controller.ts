import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { AuthContext, CanWrite, CurrentAuth } from '../auth/auth-context';
import {
  ListStripeEventsQueryDto,
  StripeEventListDto,
  StripeIntegrationResponseDto,
  UpdateStripeIntegrationDto,
} from './stripe-integration.dto';
import { StripeIntegrationService } from './stripe-integration.service';

@ApiTags('stripe integration')
@ApiBearerAuth()
@ApiCookieAuth('mk_session')
@Controller('v1/settings/integrations/stripe')
export class StripeIntegrationController {
  constructor(private readonly integrations: StripeIntegrationService) {}

  @Get()
  get(@CurrentAuth() who: AuthContext): Promise<StripeIntegrationResponseDto> {
    return this.integrations.get(who.workspaceId);
  }

  @CanWrite()
  @Patch()
  update(
    @CurrentAuth() who: AuthContext,
    @Body() dto: UpdateStripeIntegrationDto,
  ): Promise<StripeIntegrationResponseDto> {
    return this.integrations.update(who.workspaceId, dto);
  }

  @Get('events')
  listEvents(
    @CurrentAuth() who: AuthContext,
    @Query() query: ListStripeEventsQueryDto,
  ): Promise<StripeEventListDto> {
    return this.integrations.listEvents(who.workspaceId, query);
  }
}
