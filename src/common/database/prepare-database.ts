import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

/** Any fixed 64-bit number, the same for every instance: it names the migration lock. */
const MIGRATION_LOCK = 7_230_114_501;

async function createDatabaseIfMissing(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!name) return false;
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return true;
    } catch (e) {
      // Another instance won the race.
      if ((e as { code?: string }).code === '42P04') return false;
      throw e;
    }
  } finally {
    await client.end();
  }
}

/**
 * Before Nest boots: create the database if it is missing, then run pending migrations under a
 * Postgres advisory lock, so two instances starting together are safe.
 */
export async function prepareDatabase(
  databaseUrl: string,
  log: (msg: string) => void = () => undefined,
): Promise<string[]> {
  if (await createDatabaseIfMissing(databaseUrl)) log('created the database');
  const ds = new DataSource(buildDataSourceOptions(databaseUrl));
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
    await ds.destroy();
  }
}
