import { Webhook } from 'standardwebhooks';

// Secrets are made by the endpoints module, which owns them; re-exported for the signer's callers.
export { SIGNING_SECRET_PREFIX, generateSigningSecret } from '../webhook-endpoints/signing-secret';

export interface SignatureInput {
  /** The message id (`msg_…`): the same for every attempt, which is what receivers deduplicate on. */
  msgId: string;
  /** Unix seconds of this attempt; every attempt is signed afresh. */
  timestampSeconds: number;
  /** The exact bytes that will be sent. A string is signed as its UTF-8 encoding. */
  body: string | Uint8Array;
  /** The live secrets, newest first (`whsec_…`, or the bare base64 form). */
  secrets: readonly string[];
}

export interface WebhookHeaders {
  'content-type': 'application/json';
  'user-agent': string;
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export function webhookUserAgent(version: string): string {
  return `MailKatana-Webhooks/${version}`;
}

/**
 * The `webhook-signature` value: `v1,<sig>` per secret, space-separated, in the order given, so
 * during a rotation receivers holding either the new or the old secret can verify.
 */
export function signPayload({ msgId, timestampSeconds, body, secrets }: SignatureInput): string {
  if (secrets.length === 0) throw new Error('cannot sign a webhook without a signing secret');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`webhook timestamp must be whole unix seconds, got ${timestampSeconds}`);
  }
  const timestamp = new Date(timestampSeconds * 1000);
  return secrets.map((secret) => new Webhook(secret).sign(msgId, timestamp, body)).join(' ');
}

export function buildWebhookHeaders(input: SignatureInput & { version: string }): WebhookHeaders {
  return {
    'content-type': 'application/json',
    'user-agent': webhookUserAgent(input.version),
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signPayload(input),
  };
}
