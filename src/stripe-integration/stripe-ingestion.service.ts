import { isUtf8 } from 'node:buffer';
import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import Stripe from 'stripe';
import { SecretBox } from '../common/crypto/secret-box';
import { AppError, UNSTORABLE_VALUE_PG_CODES, notFound } from '../common/errors';
import { isId, newId } from '../common/ids';
import { MetricsService } from '../common/metrics/metrics.service';
import { QUEUES } from '../common/queues';
import { isSupportedStripeEventType } from './stripe-event-types';
import { StripeNormalizationJob, enqueueNormalization } from './stripe-normalization-jobs';
import { queryableJson, summarizeEvent } from './stripe-payload';
import { StripeIntegrationRepository } from './stripe-integration.repository';

/** Stripe's own tolerance for the signed timestamp, in seconds. */
export const STRIPE_SIGNATURE_TOLERANCE_S = 300;

export interface IngestResult {
  received: true;
  duplicate: boolean;
  supported: boolean;
}

export type VerificationFailureReason =
  | 'missing_signature'
  | 'malformed_header'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch'
  | 'empty_body'
  | 'invalid_signature';

/** Stripe's error messages name the failure; the reason is read from fixed phrases only, never logged whole. */
function reasonOf(e: Error): VerificationFailureReason {
  const m = e.message ?? '';
  if (
    m.startsWith('Unable to extract timestamp') ||
    m.startsWith('No signatures found with expected scheme')
  ) {
    return 'malformed_header';
  }
  if (m.startsWith('Timestamp outside the tolerance zone')) return 'timestamp_outside_tolerance';
  if (m.startsWith('No signatures found matching')) return 'signature_mismatch';
  if (m.startsWith('No webhook payload')) return 'empty_body';
  return 'invalid_signature';
}

const NOT_PARSED = Symbol('not parsed');

/**
 * Stripe's ingestion route: the contract's checks in order, then archive once and queue
 * normalization. Nothing here normalizes; nothing here logs a header, a body or a verifier error.
 */
@Injectable()
export class StripeIngestionService {
  private readonly logger = new Logger('StripeIngestion');
  private readonly received;
  private readonly failures;
  private readonly duration;

  constructor(
    private readonly repo: StripeIntegrationRepository,
    private readonly secrets: SecretBox,
    @InjectQueue(QUEUES.stripeNormalization) private readonly queue: Queue<StripeNormalizationJob>,
    metrics: MetricsService,
  ) {
    this.received = metrics.counter(
      'mailkatana_stripe_events_received_total',
      'Verified Stripe events by type and outcome',
      ['type', 'outcome'],
    );
    this.failures = metrics.counter(
      'mailkatana_stripe_verification_failures_total',
      'Stripe webhook requests refused at verification, by reason',
      ['reason'],
    );
    this.duration = metrics.histogram(
      'mailkatana_stripe_ingest_duration_seconds',
      'Time to verify, archive and queue one Stripe webhook',
    );
  }

  /** Decrypted secrets by ciphertext: a rotated secret is a new ciphertext, so nothing stale is kept. */
  private readonly secretCache = new Map<string, string>();

  private signingSecret(integrationId: string, encrypted: string): string {
    const key = `${integrationId}:${encrypted}`;
    let secret = this.secretCache.get(key);
    if (secret === undefined) {
      secret = this.secrets.decrypt(encrypted, integrationId);
      if (this.secretCache.size >= 1000) this.secretCache.clear();
      this.secretCache.set(key, secret);
    }
    return secret;
  }

  private refuse(integrationId: string, reason: VerificationFailureReason | 'invalid_payload'): void {
    this.failures.inc({ reason });
    this.logger.warn({ integrationId, reason }, 'stripe webhook refused');
  }

  /** `readBody` is called only once the integration and the header have passed. */
  async receive(
    integrationId: string,
    signature: string | undefined,
    readBody: () => Promise<Buffer>,
  ): Promise<IngestResult> {
    const stop = this.duration.startTimer();
    try {
      // 1. The integration: one primary-key read.
      if (!isId('int', integrationId)) throw notFound('integration');
      const integration = await this.repo.findByPublicId(integrationId);
      if (!integration) throw notFound('integration');
      if (!integration.enabled || !integration.signingSecretEncrypted) {
        throw new AppError('integration_disabled', 'this Stripe integration is disabled');
      }
      // 2. The header, before any byte of the body is read.
      if (!signature) {
        this.refuse(integrationId, 'missing_signature');
        throw new AppError('missing_signature', 'the Stripe-Signature header is required');
      }
      // 3. The raw bytes, capped.
      const raw = await readBody();
      // 4. The signature, by the stripe package, over those bytes.
      const secret = this.signingSecret(integration.id, integration.signingSecretEncrypted);
      let parsed: unknown = NOT_PARSED;
      try {
        parsed = Stripe.webhooks.constructEvent(raw, signature, secret, STRIPE_SIGNATURE_TOLERANCE_S);
      } catch (e) {
        if (e instanceof Stripe.errors.StripeSignatureVerificationError) {
          this.refuse(integrationId, reasonOf(e));
          throw new AppError('invalid_signature', 'the Stripe-Signature header does not verify this body');
        }
        // Verified, but the library could not parse it (bad JSON, or a thin v2 notification).
        if (
          !(e instanceof SyntaxError) &&
          !String((e as Error)?.message).startsWith('You passed a thin event')
        )
          throw e;
      }
      // 5. Valid UTF-8 JSON of the event shape (stripe decodes leniently, so UTF-8 is checked here).
      const summary = parsed !== NOT_PARSED && isUtf8(raw) ? summarizeEvent(parsed) : null;
      let payloadJson: string | null = null;
      const rawText = summary ? raw.toString('utf8') : '';
      if (summary) {
        try {
          payloadJson = queryableJson(rawText, parsed);
        } catch {
          // Nested too deep to serialize: no retry can fix it.
          payloadJson = null;
        }
      }
      if (!summary || payloadJson === null) {
        this.refuse(integrationId, 'invalid_payload');
        throw new AppError(
          'invalid_payload',
          'the body is not a Stripe event (UTF-8 JSON with id evt_…, type and data.object)',
        );
      }
      // 6. Archive once per (integration, event id); the first body wins.
      const supportedType = isSupportedStripeEventType(summary.type);
      const archived = await this.repo
        .archive({
          // Time-ordered, so the primary key index is appended to, not written all over.
          id: newId('sev'),
          integrationId: integration.id,
          workspaceId: integration.workspaceId,
          eventId: summary.id,
          type: summary.type,
          livemode: summary.livemode,
          apiVersion: summary.apiVersion,
          stripeCreated: summary.created ?? Math.floor(Date.now() / 1000),
          rawText,
          payloadJson,
          status: supportedType ? 'pending' : 'unsupported',
        })
        .catch((e: unknown) => {
          // Valid JSON that Postgres' jsonb cannot hold (nested too deep, a number beyond any
          // range): no retry can fix it. Caught here rather than checked on every event.
          const code = (e as { code?: string }).code;
          if (code === undefined || !UNSTORABLE_VALUE_PG_CODES.has(code)) throw e;
          this.refuse(integrationId, 'invalid_payload');
          throw new AppError('invalid_payload', 'the event holds values that cannot be archived');
        });
      const supported = isSupportedStripeEventType(archived.type);
      const typeLabel = supported ? archived.type : 'other';
      if (!archived.inserted) {
        this.received.inc({ type: typeLabel, outcome: 'duplicate' });
        return { received: true, duplicate: true, supported };
      }
      this.received.inc({ type: typeLabel, outcome: supported ? 'archived' : 'unsupported' });
      if (archived.status === 'pending') {
        try {
          await enqueueNormalization(this.queue, {
            archivedEventId: archived.id,
            workspaceId: integration.workspaceId,
          });
        } catch (e) {
          // The row is committed and pending: the sweeper queues it once Redis is back.
          this.logger.warn(
            { integrationId, archivedEventId: archived.id, reason: (e as Error)?.message },
            'normalization not queued; left for the sweeper',
          );
        }
      }
      this.logger.debug({ integrationId, eventId: summary.id, type: summary.type }, 'stripe event archived');
      // 7.
      return { received: true, duplicate: false, supported };
    } finally {
      stop();
    }
  }
}
