import { Injectable, Logger } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import {
  ContactKey,
  ContactLookup,
  ContactsService,
  toContactEventResponse,
  toContactResponse,
  type Contact,
  type ContactEvent,
} from '../contacts/contacts.service';
import { WebhookPublisher } from '../delivery/webhook-publisher.service';
import { MetricsService } from '../common/metrics/metrics.service';
import type { JobPayloads, QUEUES } from '../common/queues';
import { ArchivedStripeEvent, StripeEventArchive } from '../stripe-integration/stripe-event-archive.service';
import { normalizeStripeEvent, type NormalizedEvent } from './normalizers';

/** Unresolved events wait this long for a later event to name their contact. */
export const UNRESOLVED_REPLAY_WINDOW_MS = 30 * 86_400_000;
/** Bounds one job's chain of replays (each replayed event may link more keys and so replay more). */
const MAX_REPLAYS_PER_JOB = 1000;

const SOURCE = 'stripe';

type Outcome =
  | { kind: 'unresolved' }
  | {
      kind: 'recorded';
      contact: Contact;
      event: ContactEvent;
      /** Keys this run linked, or every key of the event on a re-run (a crash may have cut its replay short). */
      replayKeys: string[];
    };

/** Every key of one event, in resolution order: customer id, then charge and payment-intent ids. */
function eventKeys(n: NormalizedEvent): ContactKey[] {
  const keys: ContactKey[] = [];
  if (n.customerId) keys.push({ kind: 'customer', value: n.customerId });
  for (const value of [n.lookupChargeId, ...n.learnedChargeIds])
    if (value) keys.push({ kind: 'charge', value });
  for (const value of [n.lookupPaymentIntentId, ...n.learnedPaymentIntentIds]) {
    if (value) keys.push({ kind: 'payment_intent', value });
  }
  return [...new Map(keys.map((k) => [`${k.kind}:${k.value}`, k])).values()];
}

function lookupOf(n: NormalizedEvent): ContactLookup {
  const keys = eventKeys(n);
  return {
    customerId: n.customerId,
    chargeIds: keys.filter((k) => k.kind === 'charge').map((k) => k.value),
    paymentIntentIds: keys.filter((k) => k.kind === 'payment_intent').map((k) => k.value),
    email: n.email,
  };
}

/**
 * Turns one archived Stripe event into a contact event and the workspace events it raises:
 * resolve or create the contact, link the keys it teaches, apply customer attributes in order,
 * store the contact event, publish, and only then mark the archive row. Each step is idempotent,
 * so a re-run (a retried or replayed job) changes nothing and publishes nothing twice.
 */
@Injectable()
export class StripeNormalizationService {
  private readonly logger = new Logger(StripeNormalizationService.name);
  private readonly normalized: Counter<'name'>;
  private readonly unresolved: Counter;
  private readonly duration: Histogram;

  constructor(
    private readonly archive: StripeEventArchive,
    private readonly contacts: ContactsService,
    private readonly publisher: WebhookPublisher,
    metrics: MetricsService,
  ) {
    this.normalized = metrics.counter(
      'mailkatana_normalized_events_total',
      'Stripe events normalized into contact events',
      ['name'],
    );
    this.unresolved = metrics.counter(
      'mailkatana_unresolved_events_total',
      'Stripe events archived as unresolved (no contact and no email yet)',
    );
    this.duration = metrics.histogram(
      'mailkatana_normalization_duration_seconds',
      'Time to normalize one archived Stripe event, publishing included',
    );
  }

  /** One normalization job. Throws on infrastructure failure so Bull retries it. */
  async processJob(job: JobPayloads[typeof QUEUES.stripeNormalization]): Promise<void> {
    const archived = await this.archive.loadForProcessing(job.archivedEventId);
    if (!archived) {
      this.logger.warn(`archived stripe event ${job.archivedEventId} not found; job dropped`);
      return;
    }
    if (archived.workspaceId !== job.workspaceId) {
      this.logger.error(
        `archived stripe event ${archived.id} belongs to another workspace than its job says; job dropped`,
      );
      return;
    }
    if (archived.status === 'normalized') {
      // A retry of a job whose own event is done but whose replays were cut short: replay only.
      const n = normalizeStripeEvent(archived.event);
      if (n)
        await this.replay(
          archived,
          eventKeys(n).map((k) => k.value),
        );
      return;
    }
    if (archived.status !== 'pending' && archived.status !== 'unresolved') return;

    const end = this.duration.startTimer();
    const replayKeys = await this.normalizeOne(archived).finally(end);
    await this.replay(archived, replayKeys);
  }

  /**
   * Normalizes, oldest first, the workspace's unresolved events (received in the replay window)
   * that wait on keys just linked; each may link more keys and so replay more. One failing replay
   * does not stop the others; the job then fails so Bull retries it, and the retry replays again.
   */
  private async replay(origin: ArchivedStripeEvent, firstKeys: string[]): Promise<void> {
    const seen = new Set<string>([origin.id]);
    const pendingKeys: string[][] = [firstKeys];
    let failure: unknown = null;
    while (pendingKeys.length > 0) {
      const keys = pendingKeys.shift()!;
      if (keys.length === 0) continue;
      const waiting = await this.archive.findUnresolvedByKeys(
        origin.workspaceId,
        keys,
        new Date(Date.now() - UNRESOLVED_REPLAY_WINDOW_MS),
      );
      for (const w of waiting) {
        if (seen.has(w.id) || seen.size >= MAX_REPLAYS_PER_JOB) continue;
        seen.add(w.id);
        const end = this.duration.startTimer();
        try {
          pendingKeys.push(await this.normalizeOne(w));
        } catch (err) {
          this.logger.error(`replay of archived stripe event ${w.id} failed: ${(err as Error).message}`);
          failure ??= err;
        } finally {
          end();
        }
      }
    }
    if (failure) throw failure;
  }

  /** Normalizes one archived event; returns the Stripe ids whose unresolved events should be replayed now. */
  private async normalizeOne(archived: ArchivedStripeEvent, recheck = true): Promise<string[]> {
    const n = normalizeStripeEvent(archived.event);
    if (!n) {
      // The archive marks unsupported types itself and queues no job for them; nothing to do.
      this.logger.warn(`archived stripe event ${archived.id} has unsupported type ${archived.type}; skipped`);
      return [];
    }
    for (const w of n.warnings)
      this.logger.warn(`stripe event ${archived.eventId} (${archived.type}): ${w}; property set to null`);

    const outcome = await this.record(archived, n);
    if (outcome.kind === 'unresolved') {
      const keys = eventKeys(n).map((k) => k.value);
      await this.archive.markUnresolved(archived.workspaceId, archived.id, keys);
      this.unresolved.inc();
      // A contact may have been linked to one of these keys after we looked and before our mark
      // was visible to its replay; looking again closes that window.
      if (recheck && (await this.contacts.resolve(archived.workspaceId, lookupOf(n)))) {
        return this.normalizeOne(archived, false);
      }
      return [];
    }

    await this.publish(archived, outcome.contact, outcome.event);
    await this.archive.markNormalized(archived.workspaceId, archived.id, outcome.event.id);
    this.normalized.inc({ name: n.name });
    return outcome.replayKeys;
  }

  /** The database part, in one transaction holding locks on every key and the email of the event. */
  private record(archived: ArchivedStripeEvent, n: NormalizedEvent): Promise<Outcome> {
    const keys = eventKeys(n);
    const lockKeys = [...keys.map((k) => `${k.kind}:${k.value}`), ...(n.email ? [`email:${n.email}`] : [])];
    const occurredAt = new Date(archived.created * 1000);

    return this.contacts.inTransaction(archived.workspaceId, lockKeys, async (uow): Promise<Outcome> => {
      const already = await uow.findEventBySource(SOURCE, archived.eventId);
      if (already) {
        const contact = await uow.get(already.contactId);
        if (!contact) throw new Error(`contact ${already.contactId} of contact event ${already.id} is gone`);
        return { kind: 'recorded', contact, event: already, replayKeys: keys.map((k) => k.value) };
      }

      const version = { at: occurredAt, rank: n.name === 'stripe.customer.updated' ? 1 : 0 };
      const found = await uow.resolve(lookupOf(n));
      let contact: Contact;
      let created = false;
      if (found) {
        contact = found.contact;
      } else {
        if (!n.email || !n.createsContact) return { kind: 'unresolved' };
        const made = await uow.create({
          email: n.email,
          name: n.attributes?.name ?? null,
          stripeCustomerId: n.customerId,
          attributesVersion: n.attributes ? version : null,
        });
        // Another transaction took the email between our lookup and insert (it held no lock on it): run again.
        if (!made) throw Object.assign(new Error('contact email taken concurrently'), { code: '23505' });
        contact = made;
        created = true;
      }

      const linked = await uow.linkKeys(contact.id, keys);
      let changedFields: string[] = [];
      if (!created && n.attributes) {
        changedFields = (await uow.applyAttributes(contact.id, n.attributes, version)).changedFields;
      }
      contact = (await uow.get(contact.id))!;

      const { event } = await uow.recordEvent({
        contactId: contact.id,
        name: n.name,
        source: SOURCE,
        sourceEventId: archived.eventId,
        occurredAt,
        properties: n.properties,
        contactCreated: created,
        changedFields: changedFields.length > 0 ? changedFields : null,
      });
      return { kind: 'recorded', contact, event, replayKeys: linked.map((k) => k.value) };
    });
  }

  /**
   * The workspace events, each keyed by the archived event and its type, so a re-run gets the
   * first message back and adds no delivery.
   */
  private async publish(archived: ArchivedStripeEvent, contact: Contact, event: ContactEvent): Promise<void> {
    const workspaceId = archived.workspaceId;
    const contactData = toContactResponse(contact);
    if (event.contactCreated) {
      await this.publisher.publish({
        workspaceId,
        type: 'contact.created',
        data: { workspace_id: workspaceId, contact: contactData },
        idempotencyKey: `stripe:${archived.id}:contact.created`,
      });
    } else if (event.changedFields && event.changedFields.length > 0) {
      await this.publisher.publish({
        workspaceId,
        type: 'contact.updated',
        data: { workspace_id: workspaceId, contact: contactData, changed_fields: event.changedFields },
        idempotencyKey: `stripe:${archived.id}:contact.updated`,
      });
    }
    await this.publisher.publish({
      workspaceId,
      type: event.name,
      data: { workspace_id: workspaceId, contact: contactData, event: toContactEventResponse(event) },
      idempotencyKey: `stripe:${archived.id}:${event.name}`,
    });
  }
}
