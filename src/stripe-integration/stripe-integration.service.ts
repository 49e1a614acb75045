import { Inject, Injectable } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box';
import { AppError } from '../common/errors';
import { newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SUPPORTED_STRIPE_EVENT_TYPES } from './stripe-event-types';
import {
  ListStripeEventsQueryDto,
  StripeEventListDto,
  StripeIntegrationResponseDto,
  UpdateStripeIntegrationDto,
} from './stripe-integration.dto';
import { StripeIntegrationEntity } from './stripe-integration.entity';
import { StripeIntegrationRepository } from './stripe-integration.repository';
import { STRIPE_WEBHOOK_PATH_PREFIX } from './stripe-webhook-path';
import type { EntityManager } from 'typeorm';

/** The workspace's Stripe settings and its archive list. */
@Injectable()
export class StripeIntegrationService {
  constructor(
    private readonly repo: StripeIntegrationRepository,
    private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private toResponse(i: StripeIntegrationEntity): StripeIntegrationResponseDto {
    return {
      id: i.id,
      enabled: i.enabled,
      has_signing_secret: i.signingSecretEncrypted !== null,
      webhook_url: `${this.config.publicBaseUrl}${STRIPE_WEBHOOK_PATH_PREFIX}${i.id}`,
      supported_events: [...SUPPORTED_STRIPE_EVENT_TYPES],
      updated_at: i.updatedAt.toISOString(),
    };
  }

  /** Every workspace has one integration, made on its first read. */
  private async getOrCreate(workspaceId: string, m?: EntityManager): Promise<StripeIntegrationEntity> {
    const found = await this.repo.findForWorkspace(workspaceId, m);
    if (found) return found;
    await this.repo.ensureForWorkspace(workspaceId, newId('int'), m);
    return (await this.repo.findForWorkspace(workspaceId, m))!;
  }

  async get(workspaceId: string): Promise<StripeIntegrationResponseDto> {
    return this.toResponse(await this.getOrCreate(workspaceId));
  }

  async update(workspaceId: string, dto: UpdateStripeIntegrationDto): Promise<StripeIntegrationResponseDto> {
    if (dto.enabled === undefined && dto.signing_secret === undefined) {
      throw new AppError('validation_failed', 'send enabled or signing_secret', [
        { field: 'body', message: 'send enabled or signing_secret' },
      ]);
    }
    // Made outside the transaction, so a concurrent first read cannot make a second one.
    await this.getOrCreate(workspaceId);
    const saved = await this.repo.transaction(async (m) => {
      const current = (await this.repo.findForWorkspaceForUpdate(m, workspaceId))!;
      const changes: { enabled?: boolean; signingSecretEncrypted?: string | null } = {};
      if (dto.signing_secret !== undefined) {
        changes.signingSecretEncrypted =
          dto.signing_secret === null ? null : this.secrets.encrypt(dto.signing_secret, current.id);
      }
      if (dto.enabled !== undefined) changes.enabled = dto.enabled;
      const enabled = changes.enabled ?? current.enabled;
      const hasSecret =
        (changes.signingSecretEncrypted !== undefined
          ? changes.signingSecretEncrypted
          : current.signingSecretEncrypted) !== null;
      // An enabled integration must be able to verify what Stripe sends.
      if (enabled && !hasSecret) {
        throw new AppError(
          'signing_secret_required',
          'an enabled Stripe integration needs a signing secret',
          [{ field: 'signing_secret', message: 'set signing_secret (whsec_…) to enable the integration' }],
        );
      }
      return this.repo.update(m, workspaceId, current.id, changes);
    });
    return this.toResponse(saved);
  }

  async listEvents(workspaceId: string, query: ListStripeEventsQueryDto): Promise<StripeEventListDto> {
    const page = await this.repo.listEvents(workspaceId, query);
    return {
      data: page.rows.map((e) => ({
        id: e.eventId,
        type: e.type,
        livemode: e.livemode,
        received_at: e.receivedAt.toISOString(),
        status: e.status,
        contact_event_id: e.contactEventId,
      })),
      has_more: page.has_more,
      next_cursor: page.next_cursor,
    };
  }
}
