import DataLoader from 'dataloader';

/**
 * A per-request DataLoader over a batch fetch: one statement for all keys asked in the
 * same tick, results returned in key order (null where nothing matched).
 */
export function batchLoader<K, V>(fetch: (keys: readonly K[]) => Promise<V[]>, keyOf: (value: V) => K): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const byKey = new Map<K, V>();
    for (const value of await fetch(keys)) byKey.set(keyOf(value), value);
    return keys.map((key) => byKey.get(key) ?? null);
  });
}

/** Lets later lookups by id (nested fields, `node`) reuse rows a list already fetched. */
export function primeAll<V extends { id: string }>(loader: DataLoader<string, V | null>, rows: Iterable<V>): void {
  for (const row of rows) loader.prime(row.id, row);
}
