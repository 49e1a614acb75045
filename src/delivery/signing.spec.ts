import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { buildWebhookHeaders, generateSigningSecret, signPayload } from './signing';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({
  type: 'stripe.invoice.paid',
  timestamp: '2026-12-03T15:20:50.123Z',
  data: { n: 'é' },
});
const bare = (secret: string) => secret.slice('whsec_'.length);

describe('generateSigningSecret', () => {
  it('is whsec_ + base64 of 32 bytes, fresh every time', () => {
    const a = generateSigningSecret();
    const b = generateSigningSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(bare(a), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
  });
});

describe('signPayload', () => {
  it('is v1,<base64 HMAC-SHA256 of "id.timestamp.body"> with the decoded key', () => {
    const secret = generateSigningSecret();
    const expected = createHmac('sha256', Buffer.from(bare(secret), 'base64'))
      .update(`msg_1.1700000000.${body}`)
      .digest('base64');
    expect(signPayload({ msgId: 'msg_1', timestampSeconds: 1_700_000_000, body, secrets: [secret] })).toBe(
      `v1,${expected}`,
    );
  });

  it('signs a string and its UTF-8 bytes identically', () => {
    const input = { msgId: 'msg_1', timestampSeconds: 1_700_000_000, secrets: [generateSigningSecret()] };
    expect(signPayload({ ...input, body })).toBe(signPayload({ ...input, body: Buffer.from(body, 'utf8') }));
  });

  it('gives one signature per secret, newest first, separated by one space', () => {
    const [newer, older] = [generateSigningSecret(), generateSigningSecret()];
    const input = { msgId: 'msg_1', timestampSeconds: 1_700_000_000, body };
    const both = signPayload({ ...input, secrets: [newer, older] });
    expect(both).toBe(
      `${signPayload({ ...input, secrets: [newer] })} ${signPayload({ ...input, secrets: [older] })}`,
    );
    expect(both.split(' ')).toHaveLength(2);
  });

  it('refuses to sign without a secret or with a bad timestamp', () => {
    const input = {
      msgId: 'msg_1',
      timestampSeconds: 1_700_000_000,
      body,
      secrets: [generateSigningSecret()],
    };
    expect(() => signPayload({ ...input, secrets: [] })).toThrow(/without a signing secret/);
    expect(() => signPayload({ ...input, timestampSeconds: 1.5 })).toThrow(/unix seconds/);
    expect(() => signPayload({ ...input, timestampSeconds: -1 })).toThrow(/unix seconds/);
  });
});

describe('buildWebhookHeaders', () => {
  it('returns the Standard Webhooks headers', () => {
    const secret = generateSigningSecret();
    const ts = nowSeconds();
    expect(
      buildWebhookHeaders({
        msgId: 'msg_abc',
        timestampSeconds: ts,
        body,
        secrets: [secret],
        version: '1.2.3',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'user-agent': 'MailKatana-Webhooks/1.2.3',
      'webhook-id': 'msg_abc',
      'webhook-timestamp': String(ts),
      'webhook-signature': signPayload({ msgId: 'msg_abc', timestampSeconds: ts, body, secrets: [secret] }),
    });
  });

  it('verifies with the standardwebhooks package, with the whsec_ and the bare base64 secret', () => {
    const secret = generateSigningSecret();
    const headers = buildWebhookHeaders({
      msgId: 'msg_abc',
      timestampSeconds: nowSeconds(),
      body,
      secrets: [secret],
      version: '0.1.0',
    });
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(bare(secret)).verify(Buffer.from(body), { ...headers })).toEqual(JSON.parse(body));
  });

  it('verifies with either of two live secrets, and not with a third', () => {
    const [newer, older, other] = [generateSigningSecret(), generateSigningSecret(), generateSigningSecret()];
    const headers = {
      ...buildWebhookHeaders({
        msgId: 'msg_abc',
        timestampSeconds: nowSeconds(),
        body,
        secrets: [newer, older],
        version: '0.1.0',
      }),
    };
    expect(new Webhook(newer).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(older).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(other).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('fails verification when a single byte of the body changes', () => {
    const secret = generateSigningSecret();
    const headers = {
      ...buildWebhookHeaders({
        msgId: 'msg_abc',
        timestampSeconds: nowSeconds(),
        body,
        secrets: [secret],
        version: '0.1.0',
      }),
    };
    expect(() => new Webhook(secret).verify(body.replace('paid', 'pAid'), headers)).toThrow(
      WebhookVerificationError,
    );
  });
});
