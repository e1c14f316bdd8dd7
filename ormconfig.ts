import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './src/db/data-source';

export const MISSING_DATABASE_URL =
  'typeorm: DATABASE_URL is not set; name the database to work on, ' +
  'e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/clavis npm run typeorm -- migration:show';

/**
 * The data source of the TypeORM CLI (`npm run typeorm -- migration:show`). There is no default
 * database: falling back to one would run migrations against whatever answers there.
 */
export function cliDataSource(env: NodeJS.ProcessEnv): DataSource {
  if (!env.DATABASE_URL) throw new Error(MISSING_DATABASE_URL);
  return new DataSource(dataSourceOptions({ url: env.DATABASE_URL }));
}

function load(): DataSource {
  try {
    return cliDataSource(process.env);
  } catch (error) {
    // The CLI would wrap a thrown error in a stack trace; one line and exit code 1 say it all.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}

export default load();
