import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { TEST_PG_URL, dbUrl, templateName } from './env';

/** A database of this test file's own, cloned from the migrated template. */
export async function cloneTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${templateName().replace(/_tpl$/, '')}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    for (let i = 0; ; i++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`);
        break;
      } catch (e) {
        // 55006: the template is busy being copied by another worker; wait and retry.
        if ((e as { code?: string }).code !== '55006' || i > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    name,
    url: dbUrl(name),
    async drop() {
      const c = new Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

export function testPool(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 3 });
  // Idle sockets can be cut when the file's database is dropped after the pool has ended.
  pool.on('error', () => undefined);
  return pool;
}
