import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CursorCodec, ListQueryDto, paginate } from '../common/pagination';
import { ContactEntity, ContactEventEffects, ContactEventEntity, ContactKeyKind } from './contact.entity';

export const CONTACT_CURSOR_SCOPE = 'contacts';
const eventCursorScope = (contactId: string): string => `contact-events:${contactId}`;

/** The SQL of contacts, their learned Stripe keys and their events. Every method names the workspace. */
@Injectable()
export class ContactRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly cursors: CursorCodec,
  ) {}

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  private contacts(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(ContactEntity);
  }

  private events(m?: EntityManager) {
    return (m ?? this.ds.manager).getRepository(ContactEventEntity);
  }

  /**
   * Transaction-scoped advisory locks on the workspace's keys (customer ids, emails, …), taken in
   * sorted order so two transactions over overlapping keys never deadlock on each other.
   */
  async lockKeys(m: EntityManager, workspaceId: string, keys: string[]): Promise<void> {
    for (const key of [...new Set(keys)].sort()) {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `contacts|${workspaceId}|${key}`,
      ]);
    }
  }

  findById(workspaceId: string, id: string, m?: EntityManager): Promise<ContactEntity | null> {
    return this.contacts(m).findOneBy({ workspaceId, id });
  }

  findByIdForUpdate(m: EntityManager, workspaceId: string, id: string): Promise<ContactEntity | null> {
    return this.contacts(m)
      .createQueryBuilder('c')
      .setLock('pessimistic_write')
      .where('c.workspace_id = :workspaceId AND c.id = :id', { workspaceId, id })
      .getOne();
  }

  findByEmail(workspaceId: string, email: string, m?: EntityManager): Promise<ContactEntity | null> {
    return this.contacts(m).findOneBy({ workspaceId, email });
  }

  /** The contact linked to the first of these keys that is linked at all, in the order given. */
  async findByKeys(
    workspaceId: string,
    keys: Array<{ kind: ContactKeyKind; value: string }>,
    m?: EntityManager,
  ): Promise<{ contact: ContactEntity; kind: ContactKeyKind } | null> {
    for (const key of keys) {
      const rows: Array<{ contact_id: string }> = await (m ?? this.ds.manager).query(
        `SELECT contact_id FROM contact_keys WHERE workspace_id = $1 AND kind = $2 AND value = $3`,
        [workspaceId, key.kind, key.value],
      );
      const contactId = rows[0]?.contact_id;
      if (contactId) {
        const contact = await this.findById(workspaceId, contactId, m);
        if (contact) return { contact, kind: key.kind };
      }
    }
    return null;
  }

  /** Inserts the contact unless another one of the workspace already has the email; null then. */
  async insertIfEmailFree(
    m: EntityManager,
    c: Pick<
      ContactEntity,
      | 'id'
      | 'workspaceId'
      | 'email'
      | 'name'
      | 'stripeCustomerId'
      | 'lastCustomerEventAt'
      | 'lastCustomerEventRank'
    >,
  ): Promise<ContactEntity | null> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO contacts (id, workspace_id, email, name, stripe_customer_id, last_customer_event_at, last_customer_event_rank)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (workspace_id, email) DO NOTHING
       RETURNING id`,
      [
        c.id,
        c.workspaceId,
        c.email,
        c.name,
        c.stripeCustomerId,
        c.lastCustomerEventAt,
        c.lastCustomerEventRank,
      ],
    );
    return rows.length ? this.findById(c.workspaceId, c.id, m) : null;
  }

  /** Links keys not yet linked to any contact of the workspace; returns the ones this call linked. */
  async linkKeys(
    m: EntityManager,
    workspaceId: string,
    contactId: string,
    keys: Array<{ kind: ContactKeyKind; value: string }>,
  ): Promise<Array<{ kind: ContactKeyKind; value: string }>> {
    if (keys.length === 0) return [];
    const rows: Array<{ kind: ContactKeyKind; value: string }> = await m.query(
      `INSERT INTO contact_keys (workspace_id, kind, value, contact_id)
       SELECT $1, k.kind, k.value, $2 FROM unnest($3::text[], $4::text[]) AS k(kind, value)
       ON CONFLICT (workspace_id, kind, value) DO NOTHING
       RETURNING kind, value`,
      [workspaceId, contactId, keys.map((k) => k.kind), keys.map((k) => k.value)],
    );
    return rows;
  }

  /** `stripe_customer_id` shows the first customer linked, so it is only ever filled, never replaced. */
  async setFirstCustomerId(
    m: EntityManager,
    workspaceId: string,
    contactId: string,
    customerId: string,
  ): Promise<void> {
    await m.query(
      `UPDATE contacts SET stripe_customer_id = $3, updated_at = now()
        WHERE workspace_id = $1 AND id = $2 AND stripe_customer_id IS NULL`,
      [workspaceId, contactId, customerId],
    );
  }

  async updateAttributes(
    m: EntityManager,
    workspaceId: string,
    contactId: string,
    changes: {
      email: string;
      name: string | null;
      lastCustomerEventAt: Date;
      lastCustomerEventRank: number;
      touch: boolean;
    },
  ): Promise<void> {
    await m.query(
      `UPDATE contacts SET email = $3, name = $4, last_customer_event_at = $5, last_customer_event_rank = $6,
              updated_at = CASE WHEN $7::boolean THEN now() ELSE updated_at END
        WHERE workspace_id = $1 AND id = $2`,
      [
        workspaceId,
        contactId,
        changes.email,
        changes.name,
        changes.lastCustomerEventAt,
        changes.lastCustomerEventRank,
        changes.touch,
      ],
    );
  }

  findEventBySource(
    workspaceId: string,
    source: string,
    sourceEventId: string,
    m?: EntityManager,
  ): Promise<ContactEventEntity | null> {
    return this.events(m).findOneBy({ workspaceId, source, sourceEventId });
  }

  /** Inserts the event unless one for the same source event exists; returns the stored one either way. */
  async insertEvent(
    m: EntityManager,
    e: Pick<
      ContactEventEntity,
      'id' | 'workspaceId' | 'contactId' | 'name' | 'source' | 'sourceEventId' | 'occurredAt' | 'properties'
    > & {
      effects: ContactEventEffects;
    },
  ): Promise<{ event: ContactEventEntity; inserted: boolean }> {
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO contact_events (id, workspace_id, contact_id, name, source, source_event_id, occurred_at, properties, effects)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)
       ON CONFLICT (workspace_id, source, source_event_id) DO NOTHING
       RETURNING id`,
      [
        e.id,
        e.workspaceId,
        e.contactId,
        e.name,
        e.source,
        e.sourceEventId,
        e.occurredAt,
        JSON.stringify(e.properties),
        JSON.stringify(e.effects),
      ],
    );
    const event = await this.findEventBySource(e.workspaceId, e.source, e.sourceEventId, m);
    return { event: event!, inserted: rows.length > 0 };
  }

  list(workspaceId: string, query: ListQueryDto & { email?: string }) {
    const qb = this.contacts()
      .createQueryBuilder('c')
      .where('c.workspace_id = :workspaceId', { workspaceId });
    if (query.email !== undefined) qb.andWhere('c.email = :email', { email: query.email });
    return paginate(qb, {
      codec: this.cursors,
      scope: CONTACT_CURSOR_SCOPE,
      query,
      orderColumn: 'c.created_at',
      idColumn: 'c.id',
      orderValue: (c) => c.createdAt,
      idValue: (c) => c.id,
    });
  }

  listEvents(workspaceId: string, contactId: string, query: ListQueryDto) {
    const qb = this.events()
      .createQueryBuilder('e')
      .where('e.workspace_id = :workspaceId AND e.contact_id = :contactId', { workspaceId, contactId });
    return paginate(qb, {
      codec: this.cursors,
      scope: eventCursorScope(contactId),
      query,
      orderColumn: 'e.occurred_at',
      idColumn: 'e.id',
      orderValue: (e) => e.occurredAt,
      idValue: (e) => e.id,
    });
  }
}
