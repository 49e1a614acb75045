import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type ContactKeyKind = 'customer' | 'charge' | 'payment_intent';

@Entity('contacts')
@Index('contacts_workspace_email_key', ['workspaceId', 'email'], { unique: true })
@Index('contacts_workspace_created_idx', ['workspaceId', 'createdAt', 'id'])
export class ContactEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  /** Trimmed and lower-cased. */
  @Column('text')
  email: string;

  @Column('text', { nullable: true })
  name: string | null;

  /** The first Stripe customer linked; a contact may carry several (see contact_keys). */
  @Column('text', { name: 'stripe_customer_id', nullable: true })
  stripeCustomerId: string | null;

  /** Stripe `created` of the last customer.created/updated applied: older ones never overwrite. */
  @Column({ type: 'timestamptz', precision: 3, name: 'last_customer_event_at', nullable: true })
  lastCustomerEventAt: Date | null;

  /** Tie-break within one second: customer.updated (1) wins over customer.created (0). */
  @Column('smallint', { name: 'last_customer_event_rank', nullable: true })
  lastCustomerEventRank: number | null;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

@Entity('contact_keys')
@Index('contact_keys_contact_idx', ['contactId'])
export class ContactKeyEntity {
  @PrimaryColumn('text', { name: 'workspace_id' })
  workspaceId: string;

  @PrimaryColumn('text')
  kind: ContactKeyKind;

  @PrimaryColumn('text')
  value: string;

  @Column('text', { name: 'contact_id' })
  contactId: string;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}

/** What recording an event did to its contact, kept so a re-run publishes the same workspace events. */
export interface ContactEventEffects {
  contact_created?: boolean;
  changed_fields?: string[] | null;
}

@Entity('contact_events')
@Index('contact_events_source_key', ['workspaceId', 'source', 'sourceEventId'], { unique: true })
@Index('contact_events_contact_occurred_idx', ['contactId', 'occurredAt', 'id'])
export class ContactEventEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text', { name: 'contact_id' })
  contactId: string;

  @Column('text')
  name: string;

  @Column('text')
  source: string;

  @Column('text', { name: 'source_event_id' })
  sourceEventId: string;

  @Column({ type: 'timestamptz', precision: 3, name: 'occurred_at' })
  occurredAt: Date;

  @Column('jsonb')
  properties: Record<string, unknown>;

  @Column('jsonb', { default: () => `'{}'::jsonb` })
  effects: ContactEventEffects;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}
