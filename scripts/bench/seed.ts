import type { DataSource } from 'typeorm';

export interface SeedShape {
  organizationId: string;
  applications: number;
  /** Clients per application, the default one included. */
  clientsPerApplication: number;
  /** Credentials per application, cycling through the five kinds. */
  credentialsPerApplication: number;
  providers: number;
}

/**
 * Fills the tables with a realistic data set in a few set-based statements (seconds for
 * thousands of rows), for the statement-count tests and the benchmark. Ids keep the real
 * prefixes so `node` and federation resolve them; secrets are hashes of nothing usable.
 */
export async function seedDataset(dataSource: DataSource, shape: SeedShape): Promise<void> {
  const { organizationId: org } = shape;
  await dataSource.transaction(async (db) => {
    await db.query(
      `INSERT INTO providers (id, organization_id, zone_id, identifier, slug, name, owner_type, type, protocols, created_at, updated_at)
       SELECT 'prv_seed' || lpad(i::text, 6, '0'), $1, 'default', 'provider-' || i, 'provider-' || i, 'Provider ' || i, 'CUSTOMER', 'EXTERNAL',
              jsonb_build_object('oauth2', jsonb_build_object('issuer', 'https://idp' || i || '.example.com')),
              now() + i * interval '1 millisecond', now()
       FROM generate_series(1, $2) AS i`,
      [org, shape.providers],
    );
    await db.query(
      `INSERT INTO applications (id, organization_id, zone_id, identifier, slug, name, description, owner_type, protocols, dependencies, created_at, updated_at)
       SELECT 'app_seed' || lpad(i::text, 6, '0'), $1, 'default', 'application-' || i, 'application-' || i, 'Application ' || i,
              'Seeded application ' || i, 'CUSTOMER',
              jsonb_build_object('oauth2', jsonb_build_object('redirectUris', jsonb_build_array('https://app' || i || '.example.com/callback'),
                                                              'postLogoutRedirectUris', '[]'::jsonb)),
              ARRAY['https://api.example.com/' || i], now() + i * interval '1 millisecond', now()
       FROM generate_series(1, $2) AS i`,
      [org, shape.applications],
    );
    await db.query(
      `INSERT INTO clients (id, client_id, organization_id, application_id, is_default, name, client_type, visibility, redirect_uris, grant_types,
                            response_types, scopes, token_endpoint_auth_method, require_pkce, secret_hash, created_at, updated_at)
       SELECT 'cli_seed' || lpad(a::text, 6, '0') || '_' || c, 'seed-' || a || '-' || c, $1, 'app_seed' || lpad(a::text, 6, '0'), c = 1, 'Client ' || c,
              'WEB', 'PRIVATE',
              ARRAY['https://app' || a || '.example.com/callback'], ARRAY['AUTHORIZATION_CODE', 'REFRESH_TOKEN'], ARRAY['CODE'], ARRAY['read', 'write'],
              'CLIENT_SECRET_BASIC', true, sha256(('seed' || a || c)::bytea), now() + (a * 10 + c) * interval '1 millisecond', now()
       FROM generate_series(1, $2) AS a, generate_series(1, $3) AS c`,
      [org, shape.applications, shape.clientsPerApplication],
    );
    await db.query(
      `INSERT INTO credentials (id, type, organization_id, zone_id, application_id, identifier, slug, provider_id, subject, password_hash, jwks_uri, url,
                                created_at, updated_at)
       SELECT 'cred_seed' || lpad(a::text, 6, '0') || '_' || k, kind, $1, 'default', 'app_seed' || lpad(a::text, 6, '0'),
              CASE kind WHEN 'TOKEN' THEN 'subject-' || a || '-' || k WHEN 'URL' THEN 'https://app' || a || '.example.com/meta/' || k
                        ELSE 'seed-cred-' || a || '-' || k END,
              'credential-' || k,
              CASE WHEN kind = 'TOKEN' THEN 'prv_seed' || lpad((1 + (a + k) % $4)::text, 6, '0') END,
              CASE WHEN kind = 'TOKEN' THEN 'subject-' || a || '-' || k END,
              CASE WHEN kind = 'PASSWORD' THEN sha256(('pw' || a || k)::bytea) END,
              CASE WHEN kind = 'PUBLIC_KEY' THEN 'https://app' || a || '.example.com/jwks.json' END,
              CASE WHEN kind = 'URL' THEN 'https://app' || a || '.example.com/meta/' || k END,
              now() + (a * 10 + k) * interval '1 millisecond', now()
       FROM generate_series(1, $2) AS a, generate_series(1, $3) AS k,
            LATERAL (SELECT (ARRAY['TOKEN', 'PASSWORD', 'PUBLIC_KEY', 'URL', 'PUBLIC'])[1 + (a + k) % 5] AS kind) AS kinds`,
      [org, shape.applications, shape.credentialsPerApplication, shape.providers],
    );
  });
}
