import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

const SRC = join(__dirname, '..', '..');

/** One definition of the database for the app, the migration CLI (ormconfig.ts) and the start-up migrator. */
export function buildDataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: [join(SRC, '**', '*.entity.{ts,js}')],
    migrations: [join(SRC, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // Fail fast when Postgres is away, so requests answer 503 instead of hanging.
    extra: { max: 20, connectionTimeoutMillis: 3000, idleTimeoutMillis: 30000 },
  };
}
