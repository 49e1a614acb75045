import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { defaultResolver, URL_RESOLVER } from './url-policy/url-policy';
import { WebhookEndpointsController, WebhookEventTypesController } from './webhook-endpoints.controller';
import { WebhookEndpointEntity, WebhookEndpointSecretEntity } from './webhook-endpoint.entity';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';

export { URL_RESOLVER } from './url-policy/url-policy';

/** Outbound endpoints, their signing secrets and the URL policy. Knows nothing of Delivery. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEndpointEntity, WebhookEndpointSecretEntity])],
  controllers: [WebhookEndpointsController, WebhookEventTypesController],
  providers: [
    WebhookEndpointRepository,
    WebhookEndpointsService,
    { provide: URL_RESOLVER, useValue: defaultResolver },
  ],
  exports: [WebhookEndpointsService, URL_RESOLVER],
})
export class WebhookEndpointsModule {}
