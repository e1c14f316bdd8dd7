/**
 * The PostgreSQL mutation counter counts per clock minute (limits/rate-limits.ts): a test that
 * counts a few mutations against a small limit starts clear of the next minute's boundary.
 */
export async function clearOfMinuteBoundary(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
