import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { toAppError } from '../common/http/all-exceptions.filter';
import { sendError } from '../common/http/error-response';
import { readRawBody } from './raw-body';
import { StripeIngestionService } from './stripe-ingestion.service';

const logger = new Logger('StripeWebhook');

/**
 * The ingestion route's hot path, mounted on the HTTP adapter ahead of Nest's router (see
 * app.setup.ts): Stripe's callbacks skip the session guard, pipes, interceptors and per-request
 * access logging that no part of this public route uses, and go straight to the same
 * StripeIngestionService the documented controller calls. Errors leave in the contract's shape.
 */
export function stripeWebhookHandler(ingestion: StripeIngestionService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    // Mounted at the route's prefix: what is left of the path is "/<integrationId>".
    const id = req.path.slice(1);
    if (req.method !== 'POST' || !id || id.includes('/')) return next();
    const signature = req.headers['stripe-signature'];
    ingestion
      .receive(id, typeof signature === 'string' ? signature : undefined, () => readRawBody(req))
      .then(
        (result) => {
          res
            .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
            .end(JSON.stringify(result));
        },
        (e: unknown) => {
          const err = toAppError(e);
          if (err.code === 'internal')
            logger.error({ err: e, requestId: (req as Request & { id?: string }).id }, 'unhandled error');
          sendError(req, res, err);
        },
      );
  };
}
