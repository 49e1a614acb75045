import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../auth/auth-context';
import { readRawBody } from './raw-body';
import { StripeIngestionService } from './stripe-ingestion.service';
import { StripeWebhookResponseDto } from './stripe-integration.dto';

/**
 * Stripe calls this. The one route that takes no DTO: the body is read raw, here, only after the
 * integration and the header have been checked, and parsed only once its signature verifies.
 */
@ApiTags('stripe integration')
@Controller('v1/integrations/stripe/webhook')
export class StripeWebhookController {
  constructor(private readonly ingestion: StripeIngestionService) {}

  @Public()
  @Post(':integrationId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stripe webhook ingestion (raw body up to 1 MiB, any content type)' })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ type: StripeWebhookResponseDto })
  receive(
    @Param('integrationId') integrationId: string,
    @Headers('stripe-signature') signature: string | undefined,
    @Req() req: Request,
  ): Promise<StripeWebhookResponseDto> {
    return this.ingestion.receive(integrationId, signature, () => readRawBody(req));
  }
}
