import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';

export type ArchiveStatus = 'pending' | 'normalized' | 'unsupported' | 'unresolved';
export const ARCHIVE_STATUSES: readonly ArchiveStatus[] = [
  'pending',
  'normalized',
  'unsupported',
  'unresolved',
];

/** One per workspace, created on first read. */
@Entity('stripe_integrations')
export class StripeIntegrationEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id', unique: true })
  workspaceId: string;

  @Column('boolean', { default: false })
  enabled: boolean;

  /** SecretBox form, with the integration id as aad; write-only through the API. */
  @Column('text', { name: 'signing_secret_encrypted', nullable: true })
  signingSecretEncrypted: string | null;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

/** Every verified event, by (integration, Stripe event id): the raw bytes as received and a queryable copy. */
@Entity('stripe_events')
@Unique('stripe_events_integration_event_key', ['integrationId', 'eventId'])
@Index('stripe_events_workspace_received_idx', ['workspaceId', 'receivedAt', 'id'])
export class StripeEventEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'integration_id' })
  integrationId: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text', { name: 'event_id' })
  eventId: string;

  @Column('text')
  type: string;

  @Column('boolean')
  livemode: boolean;

  @Column('text', { name: 'api_version', nullable: true })
  apiVersion: string | null;

  @Column('bigint', {
    name: 'stripe_created',
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  stripeCreated: number;

  /** Exactly the bytes Stripe signed. Not loaded by lists. */
  @Column('bytea', { name: 'raw_body', select: false })
  rawBody: Buffer;

  /** The sanitized copy (no \u0000, no lone surrogates) that normalization reads. Not loaded by lists. */
  @Column('jsonb', { select: false })
  payload: Record<string, unknown>;

  @Column('text')
  status: ArchiveStatus;

  @Column('text', { name: 'contact_event_id', nullable: true })
  contactEventId: string | null;

  /** Stripe ids ('cus_…', 'ch_…', 'pi_…') an unresolved event waits on, for replay. */
  @Column('text', { name: 'lookup_keys', array: true, default: () => "'{}'" })
  lookupKeys: string[];

  @Column({ type: 'timestamptz', precision: 3, name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'timestamptz', precision: 3, name: 'normalized_at', nullable: true })
  normalizedAt: Date | null;
}
