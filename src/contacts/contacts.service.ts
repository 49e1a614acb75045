import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { newId } from '../common/ids';
import { ListQueryDto, Page } from '../common/pagination';
import { notFound } from '../common/errors';
import { ContactEntity, ContactEventEffects, ContactEventEntity, ContactKeyKind } from './contact.entity';
import { ContactRepository } from './contact.repository';
import { ContactEventResponseDto, ContactResponseDto } from './contacts.dto';

export type { ContactKeyKind } from './contact.entity';

export interface ContactKey {
  kind: ContactKeyKind;
  value: string;
}

/** The contact as other modules see it. */
export interface Contact {
  id: string;
  workspaceId: string;
  email: string;
  name: string | null;
  stripeCustomerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ContactEvent {
  id: string;
  workspaceId: string;
  contactId: string;
  name: string;
  source: string;
  sourceEventId: string;
  occurredAt: Date;
  properties: Record<string, unknown>;
  /** What recording it did to the contact (kept so a re-run can publish the same workspace events). */
  contactCreated: boolean;
  changedFields: string[] | null;
}

/**
 * The version of a customer.created/updated event: Stripe's `created`, and a rank that breaks
 * same-second ties (customer.updated = 1 wins over customer.created = 0).
 */
export interface AttributeVersion {
  at: Date;
  rank: number;
}

export interface ContactLookup {
  customerId: string | null;
  chargeIds: string[];
  paymentIntentIds: string[];
  email: string | null;
}

/** Emails are unique per workspace in this form. */
export const normalizeContactEmail = (email: string): string => email.trim().toLowerCase();

const toContact = (c: ContactEntity): Contact => ({
  id: c.id,
  workspaceId: c.workspaceId,
  email: c.email,
  name: c.name,
  stripeCustomerId: c.stripeCustomerId,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

const toContactEvent = (e: ContactEventEntity): ContactEvent => ({
  id: e.id,
  workspaceId: e.workspaceId,
  contactId: e.contactId,
  name: e.name,
  source: e.source,
  sourceEventId: e.sourceEventId,
  occurredAt: e.occurredAt,
  properties: e.properties,
  contactCreated: e.effects?.contact_created === true,
  changedFields: e.effects?.changed_fields ?? null,
});

/** Unique violations and deadlocks are resolved by running the whole unit again. */
const RETRYABLE_PG_CODES = new Set(['23505', '40P01', '40001']);

/**
 * One workspace's contacts inside one transaction, holding the advisory locks the caller named.
 * Every statement is scoped to that workspace.
 */
export class ContactsUnitOfWork {
  constructor(
    private readonly repo: ContactRepository,
    private readonly m: EntityManager,
    readonly workspaceId: string,
  ) {}

  async get(contactId: string): Promise<Contact | null> {
    const c = await this.repo.findById(this.workspaceId, contactId, this.m);
    return c ? toContact(c) : null;
  }

  async findEventBySource(source: string, sourceEventId: string): Promise<ContactEvent | null> {
    const e = await this.repo.findEventBySource(this.workspaceId, source, sourceEventId, this.m);
    return e ? toContactEvent(e) : null;
  }

  /** Customer id first, then learned charge and payment-intent ids, then the email. */
  async resolve(lookup: ContactLookup): Promise<{ contact: Contact; via: ContactKeyKind | 'email' } | null> {
    return resolveWith(this.repo, this.workspaceId, lookup, this.m);
  }

  /** A new contact, or null when another contact of the workspace already has the email. */
  async create(input: {
    email: string;
    name: string | null;
    stripeCustomerId: string | null;
    attributesVersion: AttributeVersion | null;
  }): Promise<Contact | null> {
    const c = await this.repo.insertIfEmailFree(this.m, {
      id: newId('con'),
      workspaceId: this.workspaceId,
      email: normalizeContactEmail(input.email),
      name: input.name,
      stripeCustomerId: input.stripeCustomerId,
      lastCustomerEventAt: input.attributesVersion?.at ?? null,
      lastCustomerEventRank: input.attributesVersion?.rank ?? null,
    });
    return c ? toContact(c) : null;
  }

  /**
   * Links keys to the contact; a key already linked (to it or to another contact) stays as it is.
   * Returns the keys newly linked. The first customer id linked becomes `stripe_customer_id`.
   * Linking is not a change of the contact's attributes (no contact.updated).
   */
  async linkKeys(contactId: string, keys: ContactKey[]): Promise<ContactKey[]> {
    const unique = [...new Map(keys.map((k) => [`${k.kind}:${k.value}`, k])).values()];
    const linked = await this.repo.linkKeys(this.m, this.workspaceId, contactId, unique);
    const customer = linked.find((k) => k.kind === 'customer');
    if (customer) await this.repo.setFirstCustomerId(this.m, this.workspaceId, contactId, customer.value);
    return linked;
  }

  /**
   * Applies a customer event's email and name unless an event at least as new was applied already
   * (events arrive out of order). An email another contact of the workspace has is not taken over.
   * Returns the contact's changed field names, sorted.
   */
  async applyAttributes(
    contactId: string,
    attributes: { email: string | null; name: string | null },
    version: AttributeVersion,
  ): Promise<{ contact: Contact; applied: boolean; changedFields: string[] }> {
    const current = await this.repo.findByIdForUpdate(this.m, this.workspaceId, contactId);
    if (!current) throw new Error(`contact ${contactId} vanished inside its transaction`);
    const last = current.lastCustomerEventAt;
    const older =
      last !== null &&
      (version.at.getTime() < last.getTime() ||
        (version.at.getTime() === last.getTime() && version.rank < (current.lastCustomerEventRank ?? 0)));
    if (older) return { contact: toContact(current), applied: false, changedFields: [] };

    let email = current.email;
    const wanted = attributes.email === null ? null : normalizeContactEmail(attributes.email);
    if (wanted && wanted !== current.email) {
      const holder = await this.repo.findByEmail(this.workspaceId, wanted, this.m);
      if (!holder) email = wanted;
    }
    const changedFields = [
      ...(email !== current.email ? ['email'] : []),
      ...(attributes.name !== current.name ? ['name'] : []),
    ].sort();
    await this.repo.updateAttributes(this.m, this.workspaceId, contactId, {
      email,
      name: attributes.name,
      lastCustomerEventAt: version.at,
      lastCustomerEventRank: version.rank,
      touch: changedFields.length > 0,
    });
    const updated = await this.repo.findById(this.workspaceId, contactId, this.m);
    return { contact: toContact(updated!), applied: true, changedFields };
  }

  /** Stores the event once per source event: a second call returns the first one (inserted: false). */
  async recordEvent(
    input: Omit<ContactEvent, 'id' | 'workspaceId'>,
  ): Promise<{ event: ContactEvent; inserted: boolean }> {
    const effects: ContactEventEffects = {
      contact_created: input.contactCreated,
      changed_fields: input.changedFields,
    };
    const { event, inserted } = await this.repo.insertEvent(this.m, {
      id: newId('cev'),
      workspaceId: this.workspaceId,
      contactId: input.contactId,
      name: input.name,
      source: input.source,
      sourceEventId: input.sourceEventId,
      occurredAt: input.occurredAt,
      properties: input.properties,
      effects,
    });
    return { event: toContactEvent(event), inserted };
  }
}

async function resolveWith(
  repo: ContactRepository,
  workspaceId: string,
  lookup: ContactLookup,
  m?: EntityManager,
): Promise<{ contact: Contact; via: ContactKeyKind | 'email' } | null> {
  const keys: ContactKey[] = [
    ...(lookup.customerId ? [{ kind: 'customer' as const, value: lookup.customerId }] : []),
    ...lookup.chargeIds.map((value) => ({ kind: 'charge' as const, value })),
    ...lookup.paymentIntentIds.map((value) => ({ kind: 'payment_intent' as const, value })),
  ];
  const byKey = await repo.findByKeys(workspaceId, keys, m);
  if (byKey) return { contact: toContact(byKey.contact), via: byKey.kind };
  if (lookup.email) {
    const byEmail = await repo.findByEmail(workspaceId, normalizeContactEmail(lookup.email), m);
    if (byEmail) return { contact: toContact(byEmail), via: 'email' };
  }
  return null;
}

/** Contacts, their learned Stripe keys and their events, all scoped by workspace. */
@Injectable()
export class ContactsService {
  private readonly logger = new Logger(ContactsService.name);

  constructor(private readonly repo: ContactRepository) {}

  /**
   * Runs `fn` in one transaction holding advisory locks on `lockKeys` (e.g. `customer:cus_…`,
   * `email:ada@…`) for this workspace, so concurrent events about one person serialize and make one
   * contact. A unique violation or deadlock runs `fn` again from the start, a few times.
   */
  async inTransaction<T>(
    workspaceId: string,
    lockKeys: string[],
    fn: (uow: ContactsUnitOfWork) => Promise<T>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.repo.transaction(async (m) => {
          await this.repo.lockKeys(m, workspaceId, lockKeys);
          return fn(new ContactsUnitOfWork(this.repo, m, workspaceId));
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || !code || !RETRYABLE_PG_CODES.has(code)) throw err;
        this.logger.warn(`contacts transaction retried after postgres error ${code}`);
      }
    }
  }

  /** Outside a transaction: who the lookup names now (e.g. a re-check after marking an event unresolved). */
  resolve(
    workspaceId: string,
    lookup: ContactLookup,
  ): Promise<{ contact: Contact; via: ContactKeyKind | 'email' } | null> {
    return resolveWith(this.repo, workspaceId, lookup);
  }

  async get(workspaceId: string, contactId: string): Promise<Contact> {
    const c = await this.repo.findById(workspaceId, contactId);
    if (!c) throw notFound('contact');
    return toContact(c);
  }

  async list(
    workspaceId: string,
    query: ListQueryDto & { email?: string },
  ): Promise<Page<ContactResponseDto>> {
    const email = query.email === undefined ? undefined : normalizeContactEmail(query.email);
    const page = await this.repo.list(workspaceId, { ...query, email });
    return {
      data: page.rows.map((c) => toContactResponse(toContact(c))),
      has_more: page.has_more,
      next_cursor: page.next_cursor,
    };
  }

  async listEvents(
    workspaceId: string,
    contactId: string,
    query: ListQueryDto,
  ): Promise<Page<ContactEventResponseDto>> {
    await this.get(workspaceId, contactId);
    const page = await this.repo.listEvents(workspaceId, contactId, query);
    return {
      data: page.rows.map((e) => toContactEventResponse(toContactEvent(e))),
      has_more: page.has_more,
      next_cursor: page.next_cursor,
    };
  }
}

/** The contract's contact shape (API responses and workspace event payloads alike). */
export function toContactResponse(c: Contact): ContactResponseDto {
  return {
    id: c.id,
    email: c.email,
    name: c.name,
    stripe_customer_id: c.stripeCustomerId,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}

/** The contract's contact event shape. */
export function toContactEventResponse(e: ContactEvent): ContactEventResponseDto {
  return {
    id: e.id,
    contact_id: e.contactId,
    name: e.name,
    source: e.source,
    source_event_id: e.sourceEventId,
    occurred_at: e.occurredAt.toISOString(),
    properties: e.properties,
  };
}
