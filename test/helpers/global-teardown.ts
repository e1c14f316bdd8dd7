export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __clavisEmbedded?: { stop: () => Promise<void> } }).__clavisEmbedded?.stop();
}
