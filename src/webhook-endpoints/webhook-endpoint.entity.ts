import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EndpointDisabledReason } from './webhook-endpoint.events';

export type EndpointStatus = 'active' | 'disabled';

@Entity('webhook_endpoints')
@Index('webhook_endpoints_workspace_created_idx', ['workspaceId', 'createdAt', 'id'])
@Check('CHK_webhook_endpoints_status', `"status" IN ('active', 'disabled')`)
@Check('CHK_webhook_endpoints_disabled_reason', `"disabled_reason" IN ('manual', 'failing', 'gone')`)
export class WebhookEndpointEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  @Column('text')
  url: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  status: EndpointStatus;

  @Column('text', { name: 'disabled_reason', nullable: true })
  disabledReason: EndpointDisabledReason | null;

  @Column('jsonb', { name: 'event_types' })
  eventTypes: string[];

  /** When deliveries started failing without a success since: the auto-disable clock. */
  @Column({ type: 'timestamptz', precision: 3, name: 'failing_since', nullable: true })
  failingSince: Date | null;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', precision: 3, name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}

@Entity('webhook_endpoint_secrets')
@Index('webhook_endpoint_secrets_endpoint_idx', ['endpointId', 'createdAt'])
export class WebhookEndpointSecretEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'endpoint_id' })
  endpointId: string;

  @Column('text', { name: 'workspace_id' })
  workspaceId: string;

  /** SecretBox ciphertext with this row's id as additional data, so rows cannot be swapped. */
  @Column('text', { name: 'secret_encrypted' })
  secretEncrypted: string;

  @Column({ type: 'timestamptz', precision: 3, name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  /** null: the current secret; otherwise the end of its grace period after a rotation. */
  @Column({ type: 'timestamptz', precision: 3, name: 'expires_at', nullable: true })
  expiresAt: Date | null;
}
