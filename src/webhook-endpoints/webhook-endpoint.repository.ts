import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DeliveryTargetRow, deliveryTargetSql } from './delivery-target';
import { hotQuery } from '../common/database/hot-path';
import { ListQueryDto, CursorCodec, paginate } from '../common/pagination';
import { WebhookEndpointEntity, WebhookEndpointSecretEntity } from './webhook-endpoint.entity';
import type { EndpointDisabledReason } from './webhook-endpoint.events';

export const ENDPOINT_CURSOR_SCOPE = 'webhook-endpoints';

/** TypeORM's pg driver answers an UPDATE/DELETE query with [rows, rowCount]. */
async function updateReturning<T = { id: string }>(
  m: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const [rows] = (await m.query(sql, params)) as [T[], number];
  return rows;
}

/** The SQL of endpoints and their secrets. Every method names the workspace. */
@Injectable()
export class WebhookEndpointRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  private endpoints(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(WebhookEndpointEntity);
  }

  private secrets(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(WebhookEndpointSecretEntity);
  }

  async insert(
    m: EntityManager,
    endpoint: Omit<WebhookEndpointEntity, 'createdAt' | 'updatedAt' | 'failingSince'>,
    secret: Pick<WebhookEndpointSecretEntity, 'id' | 'secretEncrypted'>,
  ): Promise<WebhookEndpointEntity> {
    const saved = await this.endpoints(m).save(this.endpoints(m).create({ ...endpoint, failingSince: null }));
    await this.secrets(m).insert({
      ...secret,
      endpointId: saved.id,
      workspaceId: endpoint.workspaceId,
      expiresAt: null,
    });
    // Re-read so created_at/updated_at are the database's values at millisecond precision.
    return (await this.findById(endpoint.workspaceId, saved.id, m))!;
  }

  findById(workspaceId: string, id: string, m?: EntityManager): Promise<WebhookEndpointEntity | null> {
    return this.endpoints(m).findOneBy({ workspaceId, id });
  }

  /** The endpoint row locked until the transaction ends, so read-modify-write stays consistent. */
  findByIdForUpdate(
    m: EntityManager,
    workspaceId: string,
    id: string,
  ): Promise<WebhookEndpointEntity | null> {
    return this.endpoints(m)
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .where('e.workspace_id = :workspaceId AND e.id = :id', { workspaceId, id })
      .getOne();
  }

  list(workspaceId: string, query: ListQueryDto) {
    const qb = this.endpoints()
      .createQueryBuilder('e')
      .where('e.workspace_id = :workspaceId', { workspaceId });
    return paginate(qb, {
      codec: this.cursors,
      scope: ENDPOINT_CURSOR_SCOPE,
      query,
      orderColumn: 'e.created_at',
      idColumn: 'e.id',
      orderValue: (e) => e.createdAt,
      idValue: (e) => e.id,
    });
  }

  async update(
    m: EntityManager,
    workspaceId: string,
    id: string,
    changes: Partial<
      Pick<
        WebhookEndpointEntity,
        'url' | 'description' | 'status' | 'disabledReason' | 'eventTypes' | 'failingSince'
      >
    >,
  ): Promise<WebhookEndpointEntity> {
    await this.endpoints(m)
      .createQueryBuilder()
      .update()
      .set({ ...changes, updatedAt: () => 'now()' })
      .where('workspace_id = :workspaceId AND id = :id', { workspaceId, id })
      .execute();
    return (await this.findById(workspaceId, id, m))!;
  }

  /** Hard delete; the secrets go with it (FK cascade). True when a row was removed. */
  async delete(workspaceId: string, id: string): Promise<boolean> {
    const res = await this.endpoints().delete({ workspaceId, id });
    return (res.affected ?? 0) > 0;
  }

  async findActiveForEvent(workspaceId: string, eventType: string): Promise<Array<{ id: string }>> {
    const rows: Array<{ id: string }> = await this.ds.query(
      `SELECT id FROM webhook_endpoints
        WHERE workspace_id = $1 AND status = 'active'
          AND (event_types @> '["*"]'::jsonb OR event_types @> jsonb_build_array($2::text))
        ORDER BY created_at, id`,
      [workspaceId, eventType],
    );
    return rows.map((r) => ({ id: r.id }));
  }

  /**
   * The delivery path's read: the endpoint and its live secrets (newest first) together, in one
   * round trip. The delivery processor embeds the same expression in its lease statement instead.
   */
  async findForDelivery(workspaceId: string, id: string): Promise<DeliveryTargetRow | null> {
    const rows: Array<{ target: DeliveryTargetRow | null }> = await hotQuery(
      this.ds,
      'mk_endpoint_for_delivery',
      `SELECT ${deliveryTargetSql('$1', '$2')} AS target`,
      [workspaceId, id],
    );
    return rows[0]?.target ?? null;
  }

  liveSecrets(
    workspaceId: string,
    endpointId: string,
    m?: EntityManager,
  ): Promise<WebhookEndpointSecretEntity[]> {
    return this.secrets(m)
      .createQueryBuilder('s')
      .where('s.workspace_id = :workspaceId AND s.endpoint_id = :endpointId', { workspaceId, endpointId })
      .andWhere('(s.expires_at IS NULL OR s.expires_at > now())')
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .getMany();
  }

  /**
   * Inside a transaction that holds the endpoint's row lock: the current secret gets an expiry
   * (now + grace, or it is removed when grace is 0), every older one is removed so at most two
   * stay live, and the new one becomes current. Returns the previous secret's expiry.
   */
  async rotateSecret(
    m: EntityManager,
    workspaceId: string,
    endpointId: string,
    next: Pick<WebhookEndpointSecretEntity, 'id' | 'secretEncrypted'>,
    graceSeconds: number,
  ): Promise<Date | null> {
    let previousExpiresAt: Date | null = null;
    if (graceSeconds > 0) {
      const rows = await updateReturning<{ id: string; expires_at: Date }>(
        m,
        `UPDATE webhook_endpoint_secrets
            SET expires_at = now() + make_interval(secs => $3)
          WHERE workspace_id = $1 AND endpoint_id = $2 AND expires_at IS NULL
          RETURNING id, expires_at`,
        [workspaceId, endpointId, graceSeconds],
      );
      const kept = rows[0];
      if (kept) previousExpiresAt = kept.expires_at;
      await m.query(
        `DELETE FROM webhook_endpoint_secrets WHERE workspace_id = $1 AND endpoint_id = $2 AND id <> ALL($3::text[])`,
        [workspaceId, endpointId, kept ? [kept.id] : []],
      );
    } else {
      await m.query(`DELETE FROM webhook_endpoint_secrets WHERE workspace_id = $1 AND endpoint_id = $2`, [
        workspaceId,
        endpointId,
      ]);
    }
    await this.secrets(m).insert({ ...next, endpointId, workspaceId, expiresAt: null });
    await m.query(`UPDATE webhook_endpoints SET updated_at = now() WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      endpointId,
    ]);
    return previousExpiresAt;
  }

  /** Disables an active endpoint; false when it was not active (or does not exist). */
  async disableIfActive(workspaceId: string, id: string, reason: EndpointDisabledReason): Promise<boolean> {
    const rows = await updateReturning(
      this.ds.manager,
      `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = $3, updated_at = now()
        WHERE workspace_id = $1 AND id = $2 AND status = 'active' RETURNING id`,
      [workspaceId, id, reason],
    );
    return rows.length > 0;
  }

  async clearFailingClock(workspaceId: string, id: string): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_endpoints SET failing_since = NULL WHERE workspace_id = $1 AND id = $2 AND failing_since IS NOT NULL`,
      [workspaceId, id],
    );
  }

  async startFailingClock(workspaceId: string, id: string): Promise<void> {
    await this.ds.query(
      `UPDATE webhook_endpoints SET failing_since = now() WHERE workspace_id = $1 AND id = $2 AND failing_since IS NULL`,
      [workspaceId, id],
    );
  }

  /** Disables ('failing') an active endpoint whose clock is at least `afterMs` old; true when it did. */
  async disableIfFailingFor(workspaceId: string, id: string, afterMs: number): Promise<boolean> {
    const rows = await updateReturning(
      this.ds.manager,
      `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'failing', updated_at = now()
        WHERE workspace_id = $1 AND id = $2 AND status = 'active'
          AND failing_since IS NOT NULL AND failing_since <= now() - make_interval(secs => $3::double precision / 1000)
        RETURNING id`,
      [workspaceId, id, afterMs],
    );
    return rows.length > 0;
  }
}
