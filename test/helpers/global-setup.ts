import { mkdtempSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';

/**
 * Tests run against a real PostgreSQL: the one DATABASE_URL names, or else an embedded one
 * started here for this run (and stopped in global-teardown). Each test file then works in
 * a schema of its own inside that database.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'clavis-test-'));
  chmodSync(dataDir, 0o755);
  const embedded = await startEmbeddedPostgres(dataDir);
  process.env.DATABASE_URL = embedded.url;
  (globalThis as { __clavisEmbedded?: { stop: () => Promise<void> } }).__clavisEmbedded = embedded;
}
