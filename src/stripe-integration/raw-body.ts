import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../common/errors';

/** The Stripe route's cap: real invoices run to hundreds of KiB. */
export const STRIPE_BODY_LIMIT_BYTES = 1024 * 1024;

const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `body must be at most ${limit / 1024 / 1024} MiB`);

/**
 * Reads the request's bytes exactly as sent, up to `limit`. A declared content-length over the
 * cap fails before anything is read; a body that grows past it fails the moment it does, without
 * reading the rest. In both cases the connection is closed after the answer, so the unread
 * remainder is not drained.
 */
export function readRawBody(req: IncomingMessage, limit: number = STRIPE_BODY_LIMIT_BYTES): Promise<Buffer> {
  const res = (req as IncomingMessage & { res?: ServerResponse }).res;
  const refuse = (): AppError => {
    if (res && !res.headersSent) res.setHeader('connection', 'close');
    return tooLarge(limit);
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(refuse());
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(refuse());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = () => {
      cleanup();
      reject(new AppError('validation_failed', 'body could not be read'));
    };
    const onAborted = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}
