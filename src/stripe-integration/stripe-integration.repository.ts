import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Batcher } from '../common/batching';
import { hotQuery } from '../common/database/hot-path';
import { DataSource, EntityManager } from 'typeorm';
import { CursorCodec, ListQueryDto, paginate } from '../common/pagination';
import { ArchiveStatus, StripeEventEntity, StripeIntegrationEntity } from './stripe-integration.entity';

export const STRIPE_EVENTS_CURSOR_SCOPE = 'stripe-events';

/** What the ingestion route needs of an integration, by its public id (one primary-key read). */
export interface IntegrationForIngestion {
  id: string;
  workspaceId: string;
  enabled: boolean;
  signingSecretEncrypted: string | null;
}

/** An archived event's identity: (integration, Stripe event id). */
const archiveKey = (integrationId: string, eventId: string): string => `${integrationId}\u0000${eventId}`;

export interface NewArchivedEvent {
  id: string;
  integrationId: string;
  workspaceId: string;
  eventId: string;
  type: string;
  livemode: boolean;
  apiVersion: string | null;
  stripeCreated: number;
  /** The raw body as text. Only valid UTF-8 is archived, so this is stored as exactly the bytes received. */
  rawText: string;
  /** JSON text of the sanitized copy (often the raw text itself). */
  payloadJson: string;
  status: Extract<ArchiveStatus, 'pending' | 'unsupported'>;
}

export interface ArchiveOutcome {
  id: string;
  type: string;
  status: ArchiveStatus;
  inserted: boolean;
}

export interface ArchivedEventRow {
  id: string;
  workspace_id: string;
  integration_id: string;
  event_id: string;
  type: string;
  livemode: boolean;
  api_version: string | null;
  stripe_created: string;
  received_at: Date;
  status: ArchiveStatus;
  payload: Record<string, unknown>;
}

const ARCHIVED_COLUMNS = `id, workspace_id, integration_id, event_id, type, livemode, api_version, stripe_created, received_at, status, payload`;

/** The SQL of Stripe integrations and the event archive. Methods name the workspace, except the few named for it. */
@Injectable()
export class StripeIntegrationRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  private integrations(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(StripeIntegrationEntity);
  }

  private events(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(StripeEventEntity);
  }

  findForWorkspace(workspaceId: string, m?: EntityManager): Promise<StripeIntegrationEntity | null> {
    return this.integrations(m).findOneBy({ workspaceId });
  }

  /** Creates the workspace's integration unless it exists; concurrent first reads make one row. */
  async ensureForWorkspace(workspaceId: string, newId: string, m?: EntityManager): Promise<void> {
    await (m ?? this.ds.manager).query(
      `INSERT INTO stripe_integrations (id, workspace_id, enabled) VALUES ($1, $2, false)
       ON CONFLICT (workspace_id) DO NOTHING`,
      [newId, workspaceId],
    );
  }

  /** The row locked until the transaction ends, so a PATCH reads and writes one consistent state. */
  findForWorkspaceForUpdate(m: EntityManager, workspaceId: string): Promise<StripeIntegrationEntity | null> {
    return this.integrations(m)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.workspace_id = :workspaceId', { workspaceId })
      .getOne();
  }

  async update(
    m: EntityManager,
    workspaceId: string,
    id: string,
    changes: Partial<Pick<StripeIntegrationEntity, 'enabled' | 'signingSecretEncrypted'>>,
  ): Promise<StripeIntegrationEntity> {
    await this.integrations(m)
      .createQueryBuilder()
      .update()
      .set({ ...changes, updatedAt: () => 'now()' })
      .where('workspace_id = :workspaceId AND id = :id', { workspaceId, id })
      .execute();
    return (await this.integrations(m).findOneBy({ workspaceId, id }))!;
  }

  /** The ingestion route's lookup: Stripe names the integration by its public id, not a workspace. */
  async findByPublicId(id: string): Promise<IntegrationForIngestion | null> {
    const rows = await hotQuery<{
      id: string;
      workspace_id: string;
      enabled: boolean;
      signing_secret_encrypted: string | null;
    }>(
      this.ds,
      'mk_stripe_integration_by_id',
      `SELECT id, workspace_id, enabled, signing_secret_encrypted FROM stripe_integrations WHERE id = $1`,
      [id],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id,
          workspaceId: r.workspace_id,
          enabled: r.enabled,
          signingSecretEncrypted: r.signing_secret_encrypted,
        }
      : null;
  }

  /**
   * Archives an event once per (integration, event id): the first body wins. Events archived at
   * the same moment share one INSERT (group commit); a repeat costs one more read.
   */
  archive(e: NewArchivedEvent): Promise<ArchiveOutcome> {
    return this.archives.submit(e);
  }

  private readonly archives = new Batcher<NewArchivedEvent, ArchiveOutcome>(
    (events) => this.archiveMany(events),
    { maxBatch: 100, maxInFlight: 2, key: (e) => archiveKey(e.integrationId, e.eventId) },
  );

  private async archiveMany(events: NewArchivedEvent[]): Promise<ArchiveOutcome[]> {
    type Row = { id: string; integration_id: string; event_id: string; type: string; status: ArchiveStatus };
    const inserted = await hotQuery<Row>(
      this.ds,
      'mk_stripe_archive_insert',
      `INSERT INTO stripe_events (id, integration_id, workspace_id, event_id, type, livemode, api_version,
                                  stripe_created, raw_body, payload, status)
       SELECT id, integration_id, workspace_id, event_id, type, livemode, api_version, stripe_created,
              convert_to(raw_text, 'UTF8'), COALESCE(payload, raw_text)::jsonb, status
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[],
                     $8::bigint[], $9::text[], $10::text[], $11::text[])
           AS v(id, integration_id, workspace_id, event_id, type, livemode, api_version, stripe_created,
                raw_text, payload, status)
        -- Inserted in one order in every batch, so two batches holding the same keys cannot deadlock.
        ORDER BY integration_id, event_id
       ON CONFLICT (integration_id, event_id) DO NOTHING
       RETURNING id, integration_id, event_id, type, status`,
      [
        events.map((e) => e.id),
        events.map((e) => e.integrationId),
        events.map((e) => e.workspaceId),
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.livemode),
        events.map((e) => e.apiVersion),
        events.map((e) => e.stripeCreated),
        events.map((e) => e.rawText),
        // The same text twice is sent once.
        events.map((e) => (e.payloadJson === e.rawText ? null : e.payloadJson)),
        events.map((e) => e.status),
      ],
    );
    const found = new Map<string, ArchiveOutcome>(
      inserted.map((r) => [
        archiveKey(r.integration_id, r.event_id),
        { id: r.id, type: r.type, status: r.status, inserted: true },
      ]),
    );
    const repeats = events.filter((e) => !found.has(archiveKey(e.integrationId, e.eventId)));
    if (repeats.length > 0) {
      // ON CONFLICT waited for any concurrent insert of the same key to commit, so it is readable now.
      const earlier = await hotQuery<Row>(
        this.ds,
        'mk_stripe_archive_by_keys',
        `SELECT e.id, e.integration_id, e.event_id, e.type, e.status
           FROM unnest($1::text[], $2::text[]) AS k(integration_id, event_id)
           JOIN stripe_events e ON e.integration_id = k.integration_id AND e.event_id = k.event_id`,
        [repeats.map((e) => e.integrationId), repeats.map((e) => e.eventId)],
      );
      for (const r of earlier) {
        found.set(archiveKey(r.integration_id, r.event_id), {
          id: r.id,
          type: r.type,
          status: r.status,
          inserted: false,
        });
      }
    }
    return events.map((e) => {
      const outcome = found.get(archiveKey(e.integrationId, e.eventId));
      if (!outcome) throw new Error('archived stripe event vanished after a conflict');
      return outcome;
    });
  }

  listEvents(workspaceId: string, query: ListQueryDto & { status?: ArchiveStatus }) {
    const qb = this.events().createQueryBuilder('e').where('e.workspace_id = :workspaceId', { workspaceId });
    if (query.status) qb.andWhere('e.status = :status', { status: query.status });
    return paginate(qb, {
      codec: this.cursors,
      scope: STRIPE_EVENTS_CURSOR_SCOPE,
      query,
      orderColumn: 'e.received_at',
      idColumn: 'e.id',
      orderValue: (e) => e.receivedAt,
      idValue: (e) => e.id,
    });
  }

  /** For the normalization processor, which has only the job's archived id (and checks its workspace). */
  async loadForProcessing(id: string): Promise<ArchivedEventRow | null> {
    const rows: ArchivedEventRow[] = await this.ds.query(
      `SELECT ${ARCHIVED_COLUMNS} FROM stripe_events WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  /** An unsupported event never becomes normalized. */
  async markNormalized(workspaceId: string, id: string, contactEventId: string | null): Promise<void> {
    await this.ds.query(
      `UPDATE stripe_events
          SET status = 'normalized', contact_event_id = $3, normalized_at = now(), lookup_keys = '{}'
        WHERE workspace_id = $1 AND id = $2 AND status <> 'unsupported'`,
      [workspaceId, id, contactEventId],
    );
  }

  /** A normalized event stays normalized (a late or replayed job cannot demote it). */
  async markUnresolved(workspaceId: string, id: string, lookupKeys: string[]): Promise<void> {
    await this.ds.query(
      `UPDATE stripe_events SET status = 'unresolved', lookup_keys = $3::text[]
        WHERE workspace_id = $1 AND id = $2 AND status IN ('pending', 'unresolved')`,
      [workspaceId, id, lookupKeys],
    );
  }

  /** Oldest Stripe event first, so a replay applies them in the order they happened. */
  async findUnresolvedByKeys(workspaceId: string, keys: string[], since: Date): Promise<ArchivedEventRow[]> {
    if (!keys.length) return [];
    return this.ds.query(
      `SELECT ${ARCHIVED_COLUMNS} FROM stripe_events
        WHERE workspace_id = $1 AND status = 'unresolved' AND lookup_keys && $2::text[] AND received_at >= $3
        ORDER BY stripe_created, received_at, id
        LIMIT 1000`,
      [workspaceId, keys, since],
    );
  }

  /** For the sweeper, across workspaces: pending rows older than the cut-off, whose job may be lost. */
  async findPendingForSweep(
    olderThanMs: number,
    limit: number,
  ): Promise<Array<{ id: string; workspaceId: string }>> {
    const rows: Array<{ id: string; workspace_id: string }> = await this.ds.query(
      `SELECT id, workspace_id FROM stripe_events
        WHERE status = 'pending' AND received_at < now() - make_interval(secs => $1)
        ORDER BY received_at, id
        LIMIT $2`,
      [olderThanMs / 1000, limit],
    );
    return rows.map((r) => ({ id: r.id, workspaceId: r.workspace_id }));
  }

  /** Runs fn only if this process wins the named advisory lock, held on one connection for the duration. */
  async withTryLock(key: number, fn: () => Promise<void>): Promise<boolean> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.connect();
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS ok', [key])) as Array<{
        ok: boolean;
      }>;
      if (!row?.ok) return false;
      try {
        await fn();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [key]);
      }
      return true;
    } finally {
      await runner.release();
    }
  }
}
