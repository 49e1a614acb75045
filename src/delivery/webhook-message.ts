import { AppError } from '../common/errors';
import { newId } from '../common/ids';
import type { NewMessage } from './delivery.repository';

/** Bodies over this are never produced (receivers and our table both stay sane). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The one serialization of a message: these bytes are stored, sent and signed on every attempt. */
export function buildMessage(
  type: string,
  data: Record<string, unknown>,
  idempotencyKey: string | null,
  now = new Date(),
): NewMessage {
  const id = newId('msg', now.getTime());
  const body = JSON.stringify({ type, timestamp: now.toISOString(), data });
  const size = Buffer.byteLength(body, 'utf8');
  if (size > MAX_PAYLOAD_BYTES) {
    throw new AppError(
      'payload_too_large',
      `webhook payload of ${size} bytes is over the ${MAX_PAYLOAD_BYTES}-byte limit`,
    );
  }
  return { id, type, idempotencyKey: idempotencyKey ?? `msg:${id}`, body, createdAt: now };
}
