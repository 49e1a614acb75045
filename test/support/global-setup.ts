import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { prepareDatabase } from '../../src/common/database/prepare-database';
import { TEST_PG_URL, dbUrl } from './env';

/** Once per run: a template database with every migration applied; each test file clones it. */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  process.env.MK_TEST_RUN = run;
  const tpl = `mk_test_${run}_tpl`;
  const admin = new Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    // Leftovers of runs that died more than an hour ago.
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'mk\\_test\\_%'`,
    );
    for (const { datname } of rows) {
      const started = parseInt(datname.split('_')[2]?.slice(0, -6) ?? '', 36);
      if (Number.isFinite(started) && Date.now() - started > 3_600_000) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
      }
    }
  } finally {
    await admin.end();
  }
  await prepareDatabase(dbUrl(tpl));
}
