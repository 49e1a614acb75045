import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import cookieParser from 'cookie-parser';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from './common/errors';
import { sendError } from './common/http/error-response';
import { jsonBodyMiddleware, rejectNulInUrl } from './common/http/json-body';
import { requestIdMiddleware } from './common/http/request-id';
import type { AppConfig } from './config/app-config';
import { StripeIngestionService } from './stripe-integration/stripe-ingestion.service';
import { installStripeFastPath } from './stripe-integration/stripe-webhook.handler';
import { STRIPE_WEBHOOK_PATH_PREFIX } from './stripe-integration/stripe-webhook-path';
import { VERSION } from './version';

const WORKER_PATHS = new Set(['/health', '/metrics']);

/** Everything about the HTTP edge that is not a Nest provider; shared by main.ts and the tests. */
export function configureApp(app: INestApplication, config: AppConfig): void {
  const http = app.getHttpAdapter().getInstance() as {
    disable(s: string): void;
    set(k: string, v: unknown): void;
  };
  http.disable('x-powered-by');
  http.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(rejectNulInUrl);
  if (config.role === 'worker') {
    // A worker serves no API: only its health and metrics.
    app.use((req: Request, res: Response, next: NextFunction) =>
      WORKER_PATHS.has(req.path) ? next() : sendError(req, res, new AppError('not_found', 'route not found')),
    );
  }
  if (config.role !== 'worker') {
    installStripeFastPath(app.getHttpServer(), app.get(StripeIngestionService));
  }
  app.use(cookieParser());
  // The Stripe route reads its own raw bytes (1 MiB) after checking the integration and header.
  app.use(jsonBodyMiddleware(100 * 1024, (req) => req.path.startsWith(STRIPE_WEBHOOK_PATH_PREFIX)));
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('MailKatana Webhooks')
      .setDescription('Outbound workspace webhooks and inbound Stripe ingestion')
      .setVersion(VERSION)
      .addBearerAuth()
      .addCookieAuth('mk_session')
      .build(),
  );
  SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
}
