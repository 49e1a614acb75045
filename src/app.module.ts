import { BullModule } from '@nestjs/bull';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { buildDataSourceOptions } from './common/database/data-source-options';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { RejectUndeclaredInputInterceptor, createValidationPipe } from './common/http/validation';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { ContactsModule } from './contacts/contacts.module';
import { DeliveryModule } from './delivery/delivery.module';
import { EventNormalizationModule } from './event-normalization/event-normalization.module';
import { OperationsModule } from './operations/operations.module';
import { StripeIntegrationModule } from './stripe-integration/stripe-integration.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';

/** Log redaction: credentials and every secret, wherever they appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.signing_secret',
  '*.signingSecret',
  '*.csrf_token',
];

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}

@Module({})
export class AppModule {
  /** One module graph for every role: the role picks what runs (processors, routes), not what exists. */
  static forRoot(config: AppConfig, options: { logStream?: DestinationStream } = {}): DynamicModule {
    const pinoOptions: PinoHttpOptions = {
      level: config.logLevel,
      genReqId: (req) => (req as { id?: string }).id ?? '',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      customProps: () => ({ role: config.role }),
      autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
    };
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // stdout, or a stream of the caller's (tests read every line the service would log).
        LoggerModule.forRoot({
          pinoHttp: options.logStream ? [pinoOptions, options.logStream] : pinoOptions,
        }),
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(config.databaseUrl),
          entities: [],
          autoLoadEntities: true,
          retryAttempts: 3,
        }),
        BullModule.forRoot({ redis: config.redisUrl, prefix: 'mk' }),
        EventEmitterModule.forRoot(),
        CommonModule,
        OperationsModule,
        AuthModule,
        WebhookEndpointsModule,
        DeliveryModule,
        StripeIntegrationModule,
        ContactsModule,
        EventNormalizationModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_INTERCEPTOR, useClass: RejectUndeclaredInputInterceptor },
      ],
    };
  }
}
