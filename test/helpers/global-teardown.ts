import { rm } from 'node:fs/promises';
import type { EmbeddedTestDatabase } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __clavisEmbedded?: EmbeddedTestDatabase }).__clavisEmbedded;
  if (!embedded) return;
  await embedded.stop();
  await rm(embedded.dataDir, { recursive: true, force: true });
}
