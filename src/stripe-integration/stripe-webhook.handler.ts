import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { toAppError } from '../common/http/all-exceptions.filter';
import { sendError } from '../common/http/error-response';
import { requestIdMiddleware } from '../common/http/request-id';
import { readRawBody } from './raw-body';
import { StripeIngestionService } from './stripe-ingestion.service';
import { STRIPE_WEBHOOK_PATH_PREFIX } from './stripe-webhook-path';

const logger = new Logger('StripeWebhook');

/** `/v1/integrations/stripe/webhook/<id>` → `<id>`; anything else (extra segments, no id) → null. */
function integrationIdOf(url: string): string | null {
  if (!url.startsWith(STRIPE_WEBHOOK_PATH_PREFIX)) return null;
  const q = url.indexOf('?');
  const id = url.slice(STRIPE_WEBHOOK_PATH_PREFIX.length, q === -1 ? undefined : q);
  return id && !id.includes('/') ? id : null;
}

function handle(
  ingestion: StripeIngestionService,
  id: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  requestIdMiddleware(req as never, res as never, () => undefined);
  const signature = req.headers['stripe-signature'];
  ingestion
    .receive(id, typeof signature === 'string' ? signature : undefined, () => readRawBody(req))
    .then(
      (result) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(result));
      },
      (e: unknown) => {
        const err = toAppError(e);
        if (err.code === 'internal') {
          logger.error(
            { err: e, requestId: (req as IncomingMessage & { id?: string }).id },
            'unhandled error',
          );
        }
        sendError(req, res, err);
      },
    );
}

/**
 * The ingestion route's hot path: Stripe's POSTs are taken off the HTTP server before Express and
 * Nest see them, and go straight to the same StripeIngestionService the documented controller
 * calls (the controller still serves any other shape of the URL, and documents the route). Nothing
 * skipped applies to this route: it has no session, CSRF, throttle, body parser or DTO; its
 * request id, its error shape and its own refusal logs are kept.
 */
export function installStripeFastPath(server: Server, ingestion: StripeIngestionService): void {
  const rest = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const id = req.method === 'POST' ? integrationIdOf(req.url ?? '') : null;
    if (id !== null) return handle(ingestion, id, req, res);
    for (const listener of rest) listener.call(server, req, res);
  });
}
