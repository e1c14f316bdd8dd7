import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';

export interface EmbeddedTestDatabase {
  stop: () => Promise<void>;
  dataDir: string;
}

/**
 * Tests run against a real PostgreSQL: the one DATABASE_URL names, or else an embedded one
 * started here for this run (and stopped and removed in global-teardown). Each test file then
 * works in a schema (or a database) of its own on that server.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'clavis-test-'));
  // PostgreSQL runs as the `postgres` user when the tests run as root.
  chmodSync(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres(dataDir);
  process.env.DATABASE_URL = embedded.url;
  (globalThis as { __clavisEmbedded?: EmbeddedTestDatabase }).__clavisEmbedded = { stop: embedded.stop, dataDir };
}
