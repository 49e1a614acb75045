import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { SecretBox } from '../common/crypto/secret-box';
import { AppError, notFound, validationFailed } from '../common/errors';
import { EventTypeRegistry } from '../common/event-types.registry';
import { newId } from '../common/ids';
import { ListQueryDto, Page } from '../common/pagination';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import type { DeliveryTargetRow } from './delivery-target';
import { generateSigningSecret } from './signing-secret';
import { ALL_EVENT_TYPES, checkEventTypeFilter } from './event-type-filter';
import { checkWebhookUrl, Resolver, URL_RESOLVER } from './url-policy/url-policy';
import {
  CreateWebhookEndpointDto,
  CreatedWebhookEndpointResponseDto,
  DEFAULT_GRACE_PERIOD_SECONDS,
  RotatedSigningSecretResponseDto,
  UpdateWebhookEndpointDto,
  WebhookEndpointResponseDto,
  WebhookEventTypeListResponseDto,
} from './webhook-endpoint.dto';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import {
  ENDPOINT_DELETED,
  ENDPOINT_DISABLED,
  ENDPOINT_URL_CHANGED,
  EndpointDeletedEvent,
  EndpointDisabledEvent,
  EndpointUrlChangedEvent,
} from './webhook-endpoint.events';
import { WebhookEndpointRepository } from './webhook-endpoint.repository';

export interface EndpointForDelivery {
  id: string;
  workspaceId: string;
  url: string;
  status: 'active' | 'disabled';
  /** When the failing clock started (the first failure since the last success), else null. */
  failingSince: Date | null;
  /** Live `whsec_…` secrets, newest first. */
  secrets: string[];
}

/** Secret rows get an id of the same shape as an endpoint's, told apart by its prefix. */
const newSecretId = (): string => newId('ep').replace(/^ep_/, 'eps_');

@Injectable()
export class WebhookEndpointsService {
  private readonly logger = new Logger(WebhookEndpointsService.name);

  constructor(
    private readonly repo: WebhookEndpointRepository,
    private readonly box: SecretBox,
    private readonly eventTypes: EventTypeRegistry,
    private readonly events: EventEmitter2,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(URL_RESOLVER) private readonly resolver: Resolver,
  ) {}

  // ---- the HTTP API ----

  async create(
    workspaceId: string,
    dto: CreateWebhookEndpointDto,
  ): Promise<CreatedWebhookEndpointResponseDto> {
    const url = await this.checkUrl(dto.url);
    const eventTypes = this.checkEventTypes(dto.event_types ?? [ALL_EVENT_TYPES]);
    const id = newId('ep');
    const secret = generateSigningSecret();
    const secretId = newSecretId();
    const endpoint = await this.repo.transaction((m) =>
      this.repo.insert(
        m,
        {
          id,
          workspaceId,
          url,
          description: dto.description ?? null,
          status: dto.status ?? 'disabled',
          disabledReason: null,
          eventTypes,
        },
        { id: secretId, secretEncrypted: this.box.encrypt(secret, secretId) },
      ),
    );
    return { ...WebhookEndpointResponseDto.of(endpoint), signing_secret: secret };
  }

  async list(workspaceId: string, query: ListQueryDto): Promise<Page<WebhookEndpointResponseDto>> {
    const page = await this.repo.list(workspaceId, query);
    return {
      data: page.rows.map((e) => WebhookEndpointResponseDto.of(e)),
      has_more: page.has_more,
      next_cursor: page.next_cursor,
    };
  }

  async get(workspaceId: string, id: string): Promise<WebhookEndpointResponseDto> {
    return WebhookEndpointResponseDto.of(await this.mustFind(workspaceId, id));
  }

  async update(
    workspaceId: string,
    id: string,
    dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointResponseDto> {
    if (
      dto.url === undefined &&
      dto.status === undefined &&
      dto.description === undefined &&
      dto.event_types === undefined
    ) {
      throw new AppError(
        'validation_failed',
        'request body must set at least one of url, status, description, event_types',
        [
          {
            field: 'body',
            message: 'request body must set at least one of url, status, description, event_types',
          },
        ],
      );
    }
    // Validation (400) answers before existence (404), as the contract orders them.
    const url = dto.url === undefined ? undefined : await this.checkUrl(dto.url);
    const eventTypes = dto.event_types === undefined ? undefined : this.checkEventTypes(dto.event_types);

    const { before, after } = await this.repo.transaction(async (m) => {
      const before = await this.repo.findByIdForUpdate(m, workspaceId, id);
      if (!before) throw notFound('endpoint');
      const changes: Parameters<WebhookEndpointRepository['update']>[3] = {};
      if (url !== undefined) changes.url = url;
      if (eventTypes !== undefined) changes.eventTypes = eventTypes;
      if (dto.description !== undefined) changes.description = dto.description;
      if (dto.status === 'active') {
        // Re-activation is a fresh start: no reason, and the auto-disable clock starts over.
        Object.assign(changes, { status: 'active', disabledReason: null, failingSince: null });
      } else if (dto.status === 'disabled') {
        Object.assign(changes, { status: 'disabled', disabledReason: 'manual' });
      }
      return { before, after: await this.repo.update(m, workspaceId, id, changes) };
    });

    if (before.status === 'active' && after.status === 'disabled') {
      await this.emit<EndpointDisabledEvent>(ENDPOINT_DISABLED, {
        workspaceId,
        endpointId: id,
        reason: 'manual',
      });
    }
    if (before.url !== after.url) {
      await this.emit<EndpointUrlChangedEvent>(ENDPOINT_URL_CHANGED, {
        workspaceId,
        endpointId: id,
        url: after.url,
      });
    }
    return WebhookEndpointResponseDto.of(after);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    if (!(await this.repo.delete(workspaceId, id))) throw notFound('endpoint');
    await this.emit<EndpointDeletedEvent>(ENDPOINT_DELETED, { workspaceId, endpointId: id });
  }

  async rotateSecret(
    workspaceId: string,
    id: string,
    graceSeconds?: number | null,
  ): Promise<RotatedSigningSecretResponseDto> {
    const grace = graceSeconds ?? DEFAULT_GRACE_PERIOD_SECONDS;
    const secret = generateSigningSecret();
    const secretId = newSecretId();
    const previousExpiresAt = await this.repo.transaction(async (m) => {
      // The row lock serialises concurrent rotations of one endpoint, so "at most two live" holds.
      if (!(await this.repo.findByIdForUpdate(m, workspaceId, id))) throw notFound('endpoint');
      return this.repo.rotateSecret(
        m,
        workspaceId,
        id,
        { id: secretId, secretEncrypted: this.box.encrypt(secret, secretId) },
        grace,
      );
    });
    return {
      signing_secret: secret,
      previous_secret_expires_at: previousExpiresAt ? previousExpiresAt.toISOString() : null,
    };
  }

  listEventTypes(): WebhookEventTypeListResponseDto {
    return { data: this.eventTypes.list().map((t) => ({ type: t.type, description: t.description })) };
  }

  // ---- the surface other modules use (docs/module-interfaces.md) ----

  findActiveForEvent(workspaceId: string, eventType: string): Promise<Array<{ id: string }>> {
    return this.repo.findActiveForEvent(workspaceId, eventType);
  }

  async loadForDelivery(workspaceId: string, endpointId: string): Promise<EndpointForDelivery | null> {
    return this.deliveryTargetFrom(workspaceId, await this.repo.findForDelivery(workspaceId, endpointId));
  }

  /**
   * The endpoint as an attempt needs it, from what `deliveryTargetSql` yielded inside another
   * module's statement: secrets decrypted, and null unless it is this workspace's endpoint.
   */
  deliveryTargetFrom(workspaceId: string, row: DeliveryTargetRow | null): EndpointForDelivery | null {
    if (!row || row.workspace_id !== workspaceId) return null;
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      url: row.url,
      status: row.status,
      failingSince: row.failing_since === null ? null : new Date(row.failing_since),
      secrets: (row.secrets ?? []).map((s) => this.decryptSecret(s.id, s.secret_encrypted)),
    };
  }

  /** Decrypted secrets by ciphertext, so the hot path does not run AES per attempt; a rotation is a new ciphertext. */
  private readonly secretCache = new Map<string, string>();

  private decryptSecret(id: string, encrypted: string): string {
    const key = `${id}:${encrypted}`;
    let plain = this.secretCache.get(key);
    if (plain === undefined) {
      plain = this.box.decrypt(encrypted, id);
      if (this.secretCache.size >= 10_000) this.secretCache.clear();
      this.secretCache.set(key, plain);
    }
    return plain;
  }

  async exists(workspaceId: string, endpointId: string): Promise<{ status: 'active' | 'disabled' } | null> {
    const endpoint = await this.repo.findById(workspaceId, endpointId);
    return endpoint ? { status: endpoint.status } : null;
  }

  /** Disables an active endpoint on our own account; a no-op when it is already disabled or gone. */
  async disable(workspaceId: string, endpointId: string, reason: 'failing' | 'gone'): Promise<void> {
    if (await this.repo.disableIfActive(workspaceId, endpointId, reason)) {
      await this.emit<EndpointDisabledEvent>(ENDPOINT_DISABLED, { workspaceId, endpointId, reason });
    }
  }

  async recordAttemptOutcome(
    workspaceId: string,
    endpointId: string,
    ok: boolean,
    disableAfterMs: number,
  ): Promise<void> {
    if (ok) {
      await this.repo.clearFailingClock(workspaceId, endpointId);
      return;
    }
    await this.repo.startFailingClock(workspaceId, endpointId);
    if (await this.repo.disableIfFailingFor(workspaceId, endpointId, disableAfterMs)) {
      await this.emit<EndpointDisabledEvent>(ENDPOINT_DISABLED, {
        workspaceId,
        endpointId,
        reason: 'failing',
      });
    }
  }

  // ---- helpers ----

  private async mustFind(workspaceId: string, id: string): Promise<WebhookEndpointEntity> {
    const endpoint = await this.repo.findById(workspaceId, id);
    if (!endpoint) throw notFound('endpoint');
    return endpoint;
  }

  private async checkUrl(raw: string): Promise<string> {
    const result = await checkWebhookUrl(raw, {
      allowHttp: this.config.webhook.allowHttpUrls,
      allowPrivate: this.config.webhook.allowPrivateUrls,
      resolver: this.resolver,
    });
    if (!result.ok) throw validationFailed('url', result.message);
    return result.url;
  }

  private checkEventTypes(requested: string[]): string[] {
    const result = checkEventTypeFilter(
      requested,
      this.eventTypes.list().map((t) => t.type),
    );
    if (!result.ok) throw validationFailed('event_types', result.message);
    return result.eventTypes;
  }

  /** Listeners run to completion before we answer; their failure is theirs, not the caller's. */
  private async emit<T>(name: string, payload: T): Promise<void> {
    try {
      await this.events.emitAsync(name, payload);
    } catch (err) {
      this.logger.error({ err, event: name }, `a listener of ${name} failed`);
    }
  }
}
