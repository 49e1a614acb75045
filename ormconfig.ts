import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './src/common/database/data-source-options';

// The DataSource the TypeORM CLI uses (compiled to dist/ormconfig.js): `npm run migration:generate -- src/migrations/Name`.
export default new DataSource(
  buildDataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/mailkatana'),
);
