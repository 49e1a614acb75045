import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Hot-path SQL (Stripe ingestion, each delivery attempt) goes to TypeORM's own pg pool: the same
 * connections and transactions semantics, without a query runner per call, and as named
 * statements, so Postgres parses and plans each once per connection instead of on every call.
 */
export function hotQuery<R extends QueryResultRow>(
  ds: DataSource,
  name: string,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const pool = (ds.driver as PostgresDriver).master as Pool;
  return pool.query<R>({ name, text, values }).then((r) => r.rows);
}
