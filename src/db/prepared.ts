import { createHash } from 'node:crypto';
import { type DataSource, QueryFailedError } from 'typeorm';
import { poolOf } from './pool';

/**
 * Statements of the hot paths as prepared (named) statements: PostgreSQL parses and plans a
 * named statement once per connection and then only binds and executes it, where an unnamed
 * one is parsed and planned on every call (the plan of authenticateClient's statement took
 * twice as long as running it). The name is derived from the text, so one text always has one
 * name and two texts never share one (node-postgres refuses a name reused with other text).
 */
const names = new Map<string, string>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) names.set(text, (name = `clv_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`));
  return name;
}

/**
 * Runs `text` as a named statement on the data source's pool and resolves with its rows. It is
 * logged through the data source's logger like any TypeORM query (statement counts see it), and
 * a failure is a QueryFailedError as TypeORM's own queries give (see db/failures.ts).
 */
export async function preparedQuery<R = Record<string, unknown>>(dataSource: DataSource, text: string, values: unknown[]): Promise<R[]> {
  dataSource.logger.logQuery(text, values);
  try {
    const result = await poolOf(dataSource).query({ name: nameOf(text), text, values });
    return result.rows as R[];
  } catch (error) {
    dataSource.logger.logQueryError(error as Error, text, values);
    throw new QueryFailedError(text, values, error as Error);
  }
}
