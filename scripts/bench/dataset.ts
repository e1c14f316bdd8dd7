import { Client as PgClient } from 'pg';
import type { DataSource } from 'typeorm';
import { SECRET_PREFIXES, SecretHasher, generateSecret } from '../../src/common/secrets';
import { openDatabase } from '../../src/db/data-source';
import { type SeedShape, seedDataset } from './seed';

/** The database the run creates and drops; BENCH_DATABASE_NAME lets runs on a shared PostgreSQL server keep apart. */
export const BENCH_DATABASE = process.env.BENCH_DATABASE_NAME || 'clavis_bench';
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(BENCH_DATABASE)) throw new Error(`BENCH_DATABASE_NAME: expected a lower-case SQL identifier, received "${BENCH_DATABASE}"`);
export const BENCH_ORGANIZATION = 'bench';

export const BENCH_SHAPE: SeedShape = {
  organizationId: BENCH_ORGANIZATION,
  applications: 2000,
  clientsPerApplication: 3,
  credentialsPerApplication: 4,
  providers: 20,
};

export interface KnownSecret {
  clientId: string;
  clientSecret: string;
}

export interface BenchDataset {
  url: string;
  applicationIds: string[];
  secrets: KnownSecret[];
  counts: Record<string, number>;
  postgresVersion: string;
}

/** `postgres://…/postgres` → the same server, database `name`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = new PgClient({ connectionString: adminUrl, application_name: 'clavis-bench-admin' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropBenchDatabase(adminUrl: string): Promise<void> {
  await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${BENCH_DATABASE} WITH (FORCE)`));
}

/**
 * Gives `count` seeded clients secrets the benchmark knows, stored the way Clavis stores them
 * (HMAC-SHA256 under SECRET_HASH_KEY), spread over the applications.
 */
async function setKnownClientSecrets(dataSource: DataSource, hashKey: string, count: number): Promise<KnownSecret[]> {
  const hasher = new SecretHasher(hashKey);
  const secrets: KnownSecret[] = [];
  const step = Math.max(1, Math.floor(BENCH_SHAPE.applications / count));
  for (let i = 0; i < count; i++) {
    const application = 1 + ((i * step) % BENCH_SHAPE.applications);
    const client = 1 + (i % BENCH_SHAPE.clientsPerApplication);
    secrets.push({ clientId: `seed-${application}-${client}`, clientSecret: generateSecret(SECRET_PREFIXES.clientSecret) });
  }
  const result = await dataSource.query(
    `UPDATE clients SET secret_hash = known.hash
       FROM unnest($1::text[], $2::bytea[]) AS known(client_id, hash)
      WHERE clients.client_id = known.client_id AND clients.organization_id = $3`,
    [secrets.map((s) => s.clientId), secrets.map((s) => hasher.hash(s.clientSecret)), BENCH_ORGANIZATION],
  );
  const updated = Array.isArray(result) ? Number(result[1]) : Number.NaN;
  if (updated !== count) throw new Error(`expected to set ${count} client secrets, set ${updated}`);
  return secrets;
}

/**
 * Creates `clavis_bench` afresh on the admin connection's server, applies Clavis's migrations,
 * seeds the benchmark data set and gives some clients known secrets.
 */
export async function createBenchDataset(adminUrl: string, hashKey: string, knownSecrets = 200): Promise<BenchDataset> {
  await dropBenchDatabase(adminUrl);
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${BENCH_DATABASE}`));
  const url = databaseUrl(adminUrl, BENCH_DATABASE);
  const dataSource = await openDatabase({ url, poolMax: 2 });
  try {
    await seedDataset(dataSource, BENCH_SHAPE);
    const secrets = await setKnownClientSecrets(dataSource, hashKey, knownSecrets);
    for (const table of ['applications', 'clients', 'credentials', 'providers']) await dataSource.query(`VACUUM ANALYZE ${table}`);
    const counts: Record<string, number> = {};
    for (const table of ['applications', 'clients', 'credentials', 'providers']) {
      counts[table] = Number((await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);
    }
    const kinds: { type: string; n: number }[] = await dataSource.query(`SELECT type, count(*)::int AS n FROM credentials GROUP BY type ORDER BY type`);
    for (const kind of kinds) counts[`credentials.${kind.type}`] = kind.n;
    const applicationIds = (await dataSource.query(`SELECT id FROM applications WHERE organization_id = $1 ORDER BY created_at, id`, [BENCH_ORGANIZATION])).map(
      (row: { id: string }) => row.id,
    );
    const postgresVersion = String((await dataSource.query(`SHOW server_version`))[0].server_version);
    return { url, applicationIds, secrets, counts, postgresVersion };
  } finally {
    await dataSource.destroy();
  }
}
