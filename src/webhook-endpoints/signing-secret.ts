import { randomBytes } from 'node:crypto';

/** Standard Webhooks secret: `whsec_` + base64 of 32 random bytes (the HMAC key). Endpoints own their secrets. */
export const SIGNING_SECRET_PREFIX = 'whsec_';

export function generateSigningSecret(): string {
  return SIGNING_SECRET_PREFIX + randomBytes(32).toString('base64');
}
