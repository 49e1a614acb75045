import { Injectable } from '@nestjs/common';
import type { ArchiveStatus } from './stripe-integration.entity';
import { ArchivedEventRow, StripeIntegrationRepository } from './stripe-integration.repository';

export type { ArchiveStatus } from './stripe-integration.entity';

/**
 * The event as normalization reads it (the sanitized copy). Declared here, the module that
 * owns the archive; event-normalization imports it (the dependency points that way only).
 */
export interface StripeEventInput {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  api_version?: string | null;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

export interface ArchivedStripeEvent {
  /** Archive row id (internal, uuid-ish text). */
  id: string;
  workspaceId: string;
  integrationId: string;
  /** Stripe's `evt_…`. */
  eventId: string;
  type: string;
  livemode: boolean;
  apiVersion: string | null;
  /** Stripe's `created`, unix seconds. */
  created: number;
  receivedAt: Date;
  status: ArchiveStatus;
  /** The sanitized, queryable copy. */
  event: StripeEventInput;
}

function toArchived(r: ArchivedEventRow): ArchivedStripeEvent {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    integrationId: r.integration_id,
    eventId: r.event_id,
    type: r.type,
    livemode: r.livemode,
    apiVersion: r.api_version,
    created: Number(r.stripe_created),
    receivedAt: r.received_at,
    status: r.status,
    event: r.payload as unknown as StripeEventInput,
  };
}

/**
 * What the EventNormalization module uses of the archive. Normalization jobs are queued on
 * QUEUES.stripeNormalization with payload { archivedEventId, workspaceId }.
 */
@Injectable()
export class StripeEventArchive {
  constructor(private readonly repo: StripeIntegrationRepository) {}

  /** By primary key, for a job; the caller checks the workspace against the job's. */
  async loadForProcessing(archivedEventId: string): Promise<ArchivedStripeEvent | null> {
    const row = await this.repo.loadForProcessing(archivedEventId);
    return row ? toArchived(row) : null;
  }

  markNormalized(workspaceId: string, archivedEventId: string, contactEventId: string | null): Promise<void> {
    return this.repo.markNormalized(workspaceId, archivedEventId, contactEventId);
  }

  /** lookupKeys: the Stripe ids ('cus_…', 'ch_…', 'pi_…') whose later discovery should replay this event. */
  markUnresolved(workspaceId: string, archivedEventId: string, lookupKeys: string[]): Promise<void> {
    return this.repo.markUnresolved(workspaceId, archivedEventId, [...new Set(lookupKeys)]);
  }

  /** Unresolved events received since `since` that wait on any of these keys, oldest Stripe event first. */
  async findUnresolvedByKeys(
    workspaceId: string,
    keys: string[],
    since: Date,
  ): Promise<ArchivedStripeEvent[]> {
    const rows = await this.repo.findUnresolvedByKeys(workspaceId, [...new Set(keys)], since);
    return rows.map(toArchived);
  }
}
