import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** One workspace event. `body` is the exact JSON serialized once at publish: the bytes sent and signed. */
@Entity('webhook_messages')
@Index('webhook_messages_idempotency_uq', ['workspaceId', 'idempotencyKey'], { unique: true })
export class WebhookMessageEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text')
  type: string;

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey: string;

  @Column('text')
  body: string;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;
}

/** One message to one endpoint. Postgres is the record of what is owed; Bull only runs it. */
@Entity('webhook_deliveries')
@Index('webhook_deliveries_endpoint_created_idx', ['endpointId', 'createdAt', 'id'])
export class WebhookDeliveryEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text', { name: 'message_id' })
  messageId: string;

  @Column('text', { name: 'endpoint_id' })
  endpointId: string;

  @Column('text', { name: 'event_type' })
  eventType: string;

  @Column('text')
  status: DeliveryStatus;

  /** Every attempt, manual retries included. */
  @Column('int', { name: 'attempt_count', default: 0 })
  attemptCount: number;

  /**
   * Scheduled attempts made so far (manual retries excluded): the position in the retry schedule,
   * and part of the Bull job id, so a job for an attempt already made is recognised and skipped.
   */
  @Column('int', { name: 'retry_step', default: 0 })
  retryStep: number;

  @Column({ type: 'timestamptz', precision: 3, name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  /** While in the future, one runner owns the delivery's attempt; expires if that runner dies. */
  @Column({ type: 'timestamptz', precision: 3, name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  /** Which runner holds the lease, so a runner whose lease was taken over cannot overwrite state. */
  @Column('text', { name: 'lease_token', nullable: true })
  leaseToken: string | null;

  @Column('boolean', { name: 'is_test', default: false })
  isTest: boolean;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

@Entity('webhook_attempts')
@Index('webhook_attempts_delivery_at_idx', ['deliveryId', 'at', 'id'])
export class WebhookAttemptEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'delivery_id' })
  deliveryId: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Column('int', { name: 'status_code', nullable: true })
  statusCode: number | null;

  @Column('int', { name: 'duration_ms' })
  durationMs: number;

  @Column('text', { name: 'response_excerpt', nullable: true })
  responseExcerpt: string | null;

  @Column('text', { nullable: true })
  error: string | null;
}
