import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { prepareDatabase } from './common/database/prepare-database';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { VERSION } from './version';

function readConfig(): AppConfig {
  try {
    // The one place the environment is read.
    // eslint-disable-next-line no-restricted-properties
    return loadConfig(process.env, { version: VERSION });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const say = (msg: string) =>
    process.stdout.write(JSON.stringify({ level: 30, time: Date.now(), msg }) + '\n');
  if (config.secretsKeySource === 'generated')
    say('SECRETS_KEY is not set: made a random development key in .secrets-key');
  if (config.secretsKeySource === 'file')
    say('SECRETS_KEY is not set: using the development key in .secrets-key');
  const ran = await prepareDatabase(config.databaseUrl, say);
  if (ran.length) say(`ran migrations: ${ran.join(', ')}`);
  const app = await NestFactory.create(AppModule.forRoot(config), { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  configureApp(app, config);
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  say(
    `MailKatana Webhooks ${VERSION} (${config.role}, ${config.nodeEnv}) listening on ${config.host}:${config.port}`,
  );
}

main().catch((e) => {
  process.stderr.write(`start failed: ${(e as Error).message}\n`);
  process.exit(1);
});
