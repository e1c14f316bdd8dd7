import { execFileSync, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, type JsonWebKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { calculateJwkThumbprint } from 'jose';
import { CLIENT_SECRET_JWT_REFUSAL } from '../src/clients/client-auth-methods';
import { JWKS_LIMITS } from '../src/credentials/jwks';
import { DEFAULT_RATE_LIMITS } from '../src/limits/rate-limits';
import { SafeFetcher } from '../src/net/safe-fetcher';
import { type Harness, codes, createHarness, expectOk } from './helpers/harness';

/*
 * authenticateClient beyond shared secrets, with real cryptography: EC keys made with node:crypto, assertions signed
 * by oauth4webapi's PrivateKeyJwt (its modifyAssertion hook makes the bad ones, one defect each), a CA and client
 * certificates made with the openssl CLI, a jwks_uri served over https by a local server trusting a test CA.
 */

const APP = `mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { application { id } } }`;
const CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { id clientId } } }`;
const CRED = `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { ... on PublicKeyCredential { id } } } }`;
const AUTH = `mutation ($input: AuthenticateClientInput!) {
  authenticateClient(input: $input) {
    authenticated method keyId keyThumbprint certificateThumbprint usedRotatedSecret
    client { id clientId } credential { id identifier }
  } }`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** oauth4webapi puts the authorization server's issuer in `aud`. */
const ISSUER = 'https://as.example.com';
const AUDIENCES = [`${ISSUER}/token`, ISSUER];
const redisUrl = process.env.REDIS_URL;

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

// ---------------------------------------------------------------------------------------------------------------
// Keys, assertions, callers

interface KeyPair {
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey & { kid: string; alg: string };
  publicPem: string;
}

function keyPair(kid: string): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), alg: 'ES256' },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

interface Variant {
  name: string;
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  remove?: string[];
  hmacSecret?: string;
  privateJwk?: JsonWebKey;
  kid?: string;
}

/** Assertions made by oauth4webapi's PrivateKeyJwt / ClientSecretJwt (ESM-only, so in a child process). */
function assertions(clientId: string, key: KeyPair, variants: Variant[]): Promise<Record<string, string>> {
  const spec = { clientId, issuer: ISSUER, privateJwk: key.privateJwk, kid: key.publicJwk.kid, variants };
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(__dirname, 'helpers/client-assertions.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`client-assertions.mjs exited ${code}: ${err}`))));
    child.stdin.end(JSON.stringify(spec));
  });
}

async function assertion(clientId: string, key: KeyPair, variant: Omit<Variant, 'name'> = {}): Promise<string> {
  return (await assertions(clientId, key, [{ name: 'a', ...variant }])).a;
}

/** An unsigned JWT (`alg: none`) with the claims a valid assertion would have. */
function unsigned(clientId: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', kid: 'k1' })}.${part({ iss: clientId, sub: clientId, aud: ISSUER, jti: `none-${now}`, iat: now, exp: now + 60 })}.`;
}

/** Every attempt as a caller of its own unless told otherwise, so only the lockout tests meet the lockout. */
let callers = 0;
async function freshToken(hh: Harness = h): Promise<string> {
  return hh.token({ sub: `caller-${process.pid}-${++callers}` });
}

async function authenticate(input: Record<string, unknown>, options: { harness?: Harness; token?: string } = {}) {
  const hh = options.harness ?? h;
  return hh.run<any>(AUTH, { input }, { token: options.token ?? (await freshToken(hh)) });
}

async function byAssertion(clientId: string, clientAssertion: string, options: { harness?: Harness; token?: string } = {}) {
  return expectOk(await authenticate({ clientId, clientAssertion, clientAssertionType: JWT_BEARER, expectedAudiences: AUDIENCES }, options)).authenticateClient;
}

async function byCertificate(clientId: string, clientCertificate: string, options: { harness?: Harness; token?: string } = {}) {
  return expectOk(await authenticate({ clientId, clientCertificate }, options)).authenticateClient;
}

// ---------------------------------------------------------------------------------------------------------------
// Clients and credentials

let seq = 0;
async function client(input: Record<string, unknown>, hh: Harness = h): Promise<{ id: string; applicationId: string; clientId: string }> {
  seq += 1;
  const app = expectOk<any>(await hh.run(APP, { input: { identifier: `ca-${process.pid}-${seq}`, name: `CA ${seq}` } })).createApplication.application;
  const created = expectOk<any>(await hh.run(CLIENT, { input: { applicationId: app.id, name: `c${seq}`, ...input } })).createClient.client;
  return { id: created.id, applicationId: app.id, clientId: created.clientId };
}

async function credential(applicationId: string, identifier: string, publicKey: Record<string, unknown>, hh: Harness = h): Promise<string> {
  return expectOk<any>(await hh.run(CRED, { input: { applicationId, publicKey: { identifier, ...publicKey } } })).createCredential.credential.id;
}

/** A PRIVATE_KEY_JWT client with its key in an inline jwks. */
async function keyClient(hh: Harness = h) {
  const key = keyPair('k1');
  const made = await client({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' }, hh);
  const credentialId = await credential(made.applicationId, made.clientId, { jwks: { keys: [key.publicJwk] } }, hh);
  return { ...made, key, credentialId };
}

async function auditOf(hh: Harness, targetId: string): Promise<{ action: string; target_type: string; changed_fields: string[] }[]> {
  return hh.dataSource.query(`SELECT action, target_type, changed_fields FROM audit_events WHERE target_id = $1 ORDER BY id`, [targetId]);
}

async function lastUsed(hh: Harness, clientRowId: string | null, credentialId: string | null) {
  const [clientRow] = clientRowId ? await hh.dataSource.query(`SELECT last_authenticated_at FROM clients WHERE id = $1`, [clientRowId]) : [null];
  const [credentialRow] = credentialId ? await hh.dataSource.query(`SELECT last_used_at FROM credentials WHERE id = $1`, [credentialId]) : [null];
  return { client: clientRow?.last_authenticated_at ?? null, credential: credentialRow?.last_used_at ?? null };
}

// ---------------------------------------------------------------------------------------------------------------

describe('private_key_jwt (RFC 7523)', () => {
  it("accepts oauth4webapi's PrivateKeyJwt assertion; the answer names the method, kid, key thumbprint and credential, and no secret", async () => {
    const { id, clientId, key, credentialId } = await keyClient();
    const signed = await assertion(clientId, key);
    const before = Date.now();
    const answer = await byAssertion(clientId, signed);
    expect(answer).toEqual({
      authenticated: true,
      method: 'PRIVATE_KEY_JWT',
      keyId: 'k1',
      keyThumbprint: await calculateJwkThumbprint(key.publicJwk as never, 'sha256'),
      certificateThumbprint: null,
      usedRotatedSecret: false,
      client: { id, clientId },
      credential: { id: credentialId, identifier: clientId },
    });
    const text = JSON.stringify(answer);
    expect(text).not.toContain(signed.split('.')[2]);
    expect(text).not.toContain(String(key.privateJwk.d));

    // The last-used times of the client and of the credential, and a success in the audit trail.
    const used = await lastUsed(h, id, credentialId);
    expect(used.client?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(used.credential?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await auditOf(h, id)).toContainEqual({ action: 'client.authenticate', target_type: 'Client', changed_fields: ['clientAssertion'] });
  });

  it('refuses a replayed jti on the same replica, audits the refusal, and a forged assertion does not burn a jti', async () => {
    const { clientId, key } = await keyClient();
    const signed = await assertion(clientId, key);
    const other = keyPair('k1');
    const jti = 'shared-jti-1';
    // Signed by a key not in the jwks but carrying the jti of a good assertion: refused, and it must not take the jti.
    expect((await byAssertion(clientId, await assertion(clientId, other, { payload: { jti } }))).authenticated).toBe(false);
    expect((await byAssertion(clientId, await assertion(clientId, key, { payload: { jti } }))).authenticated).toBe(true);

    expect((await byAssertion(clientId, signed)).authenticated).toBe(true);
    expect(await byAssertion(clientId, signed)).toMatchObject({ authenticated: false, method: null, client: null, keyId: null, keyThumbprint: null });
    expect(await auditOf(h, clientId)).toContainEqual({ action: 'client.authenticate_failed', target_type: 'Client', changed_fields: ['clientAssertion'] });
    // Same jti, freshly signed (new iat/exp, new signature): still a replay.
    expect((await byAssertion(clientId, await assertion(clientId, key, { payload: { jti } }))).authenticated).toBe(false);
  });

  it('refuses a replay that reaches another replica (PostgreSQL store), also when both attempts arrive at once', async () => {
    const replica = await createHarness({ replicaOf: h.schemaName });
    try {
      const { clientId, key } = await keyClient();
      const signed = await assertion(clientId, key);
      expect((await byAssertion(clientId, signed)).authenticated).toBe(true);
      expect((await byAssertion(clientId, signed, { harness: replica })).authenticated).toBe(false);

      const raced = await assertion(clientId, key);
      const answers = await Promise.all([0, 1, 2, 3].map((i) => byAssertion(clientId, raced, { harness: i % 2 ? replica : h })));
      expect(answers.filter((answer) => answer.authenticated)).toHaveLength(1);
    } finally {
      await replica.close();
    }
  });

  (redisUrl ? it : it.skip)('with the Redis store (REDIS_URL): a replay through another replica is refused, and nothing is kept in PostgreSQL', async () => {
    const redis = [new Redis(redisUrl!, { maxRetriesPerRequest: 1 }), new Redis(redisUrl!, { maxRetriesPerRequest: 1 })];
    const first = await createHarness({ jtiRedis: redis[0] });
    const second = await createHarness({ replicaOf: first.schemaName, jtiRedis: redis[1] });
    try {
      const { clientId, key } = await keyClient(first);
      const signed = await assertion(clientId, key);
      expect((await byAssertion(clientId, signed, { harness: first })).authenticated).toBe(true);
      expect((await byAssertion(clientId, signed, { harness: second })).authenticated).toBe(false);
      expect((await byAssertion(clientId, signed, { harness: first })).authenticated).toBe(false);
      const raced = await assertion(clientId, key);
      const answers = await Promise.all([first, second, first, second].map((harness) => byAssertion(clientId, raced, { harness })));
      expect(answers.filter((answer) => answer.authenticated)).toHaveLength(1);
      expect(await first.count('client_assertion_jtis')).toBe(0);
      // The key lives as long as the assertion (60 s from oauth4webapi), not forever.
      const keys = await redis[0].keys(`clavis:jti:*:${clientId}:*`);
      expect(keys).toHaveLength(2);
      const ttl = await redis[0].pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(61_000);
    } finally {
      await second.close();
      await first.close();
      for (const client of redis) client.disconnect();
    }
  });

  it('refuses, one defect at a time: wrong aud, expired, too long a lifetime, nbf/iat in the future, missing jti/exp, iss ≠ sub, a foreign key', async () => {
    const { id, clientId, key } = await keyClient();
    const now = Math.floor(Date.now() / 1000);
    const skew = 30; // ASSERTION_LIMITS.clockSkewSeconds
    const other = keyPair('k1');
    const refused: Variant[] = [
      { name: 'aud of another server', payload: { aud: 'https://other.example.com' } },
      { name: 'aud as a list without ours', payload: { aud: ['https://other.example.com', 'https://third.example.com'] } },
      { name: 'expired beyond the skew', payload: { iat: now - 200, nbf: now - 200, exp: now - skew - 10 } },
      { name: 'lifetime of an hour', payload: { exp: now + 3600 } },
      { name: 'exp − iat over 5 minutes', payload: { iat: now - 100, nbf: now - 100, exp: now + 250 } },
      { name: 'exp over 5 minutes away without iat', payload: { exp: now + 400 }, remove: ['iat'] },
      { name: 'nbf in the future beyond the skew', payload: { nbf: now + skew + 30, exp: now + 120 } },
      { name: 'iat in the future beyond the skew', payload: { iat: now + skew + 30, nbf: now, exp: now + skew + 90 } },
      { name: 'no jti', remove: ['jti'] },
      { name: 'empty jti', payload: { jti: '' } },
      { name: 'no exp', remove: ['exp'] },
      { name: 'iss ≠ sub', payload: { iss: 'someone-else' } },
      { name: 'sub ≠ iss', payload: { sub: 'someone-else' } },
      { name: 'another client id in iss and sub', payload: { iss: 'someone-else', sub: 'someone-else' } },
      { name: 'a key not in the jwks (same kid)', privateJwk: other.privateJwk },
      { name: 'HS256 keyed with the public JWK', hmacSecret: JSON.stringify(key.publicJwk), header: { kid: 'k1' } },
      { name: 'HS256 keyed with the public key PEM', hmacSecret: key.publicPem, header: { kid: 'k1' } },
    ];
    const accepted: Variant[] = [
      { name: 'within the skew: nbf slightly ahead', payload: { nbf: now + 10 } },
      { name: 'within the skew: just expired', payload: { iat: now - 100, nbf: now - 100, exp: now - 5 } },
      { name: 'aud as a list holding ours', payload: { aud: ['https://other.example.com', `${ISSUER}/token`] } },
    ];
    const made = await assertions(clientId, key, [...refused, ...accepted]);
    const outcomes: Record<string, boolean> = {};
    for (const variant of [...refused, ...accepted]) outcomes[variant.name] = (await byAssertion(clientId, made[variant.name])).authenticated;
    outcomes['alg none'] = (await byAssertion(clientId, unsigned(clientId))).authenticated;
    expect(outcomes).toEqual({
      ...Object.fromEntries(refused.map((variant) => [variant.name, false])),
      ...Object.fromEntries(accepted.map((variant) => [variant.name, true])),
      'alg none': false,
    });
    const failures = (await auditOf(h, clientId)).filter((event) => event.action === 'client.authenticate_failed');
    expect(failures).toHaveLength(refused.length + 1);
    expect((await auditOf(h, id)).filter((event) => event.action === 'client.authenticate')).toHaveLength(accepted.length);
  });

  it('refuses an assertion for a client that does not use PRIVATE_KEY_JWT, even with a valid key on file', async () => {
    const key = keyPair('k1');
    const made = await client({ clientType: 'MACHINE', tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC' });
    await credential(made.applicationId, made.clientId, { jwks: { keys: [key.publicJwk] } });
    expect((await byAssertion(made.clientId, await assertion(made.clientId, key))).authenticated).toBe(false);
  });

  it('the input names its credential: one of secret, assertion, certificate; an assertion with its type and audiences', async () => {
    const { clientId, key } = await keyClient();
    const signed = await assertion(clientId, key);
    const bad: Record<string, unknown>[] = [
      { clientId },
      { clientId, clientSecret: 'x', clientAssertion: signed, clientAssertionType: JWT_BEARER, expectedAudiences: AUDIENCES },
      { clientId, clientAssertion: signed, expectedAudiences: AUDIENCES },
      { clientId, clientAssertion: signed, clientAssertionType: 'urn:other', expectedAudiences: AUDIENCES },
      { clientId, clientAssertion: signed, clientAssertionType: JWT_BEARER },
      { clientId, clientAssertion: signed, clientAssertionType: JWT_BEARER, expectedAudiences: [] },
      { clientId, clientSecret: 'x', expectedAudiences: AUDIENCES },
    ];
    for (const input of bad) expect({ input, codes: codes(await authenticate(input)) }).toEqual({ input, codes: ['BAD_USER_INPUT'] });
    // None of them took the jti: the assertion still works.
    expect((await byAssertion(clientId, signed)).authenticated).toBe(true);
  });

  it('a PublicKeyCredential on its own (no client with that id) authenticates; the answer names the credential', async () => {
    const key = keyPair('svc');
    const app = await client({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' });
    const identifier = `svc-${process.pid}-${++seq}`;
    const credentialId = await credential(app.applicationId, identifier, { jwks: { keys: [key.publicJwk] } });
    const signed = await assertion(identifier, key);
    const before = Date.now();
    expect(await byAssertion(identifier, signed)).toEqual({
      authenticated: true,
      method: 'PRIVATE_KEY_JWT',
      keyId: 'svc',
      keyThumbprint: await calculateJwkThumbprint(key.publicJwk as never, 'sha256'),
      certificateThumbprint: null,
      usedRotatedSecret: false,
      client: null,
      credential: { id: credentialId, identifier },
    });
    expect((await lastUsed(h, null, credentialId)).credential?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await auditOf(h, credentialId)).toContainEqual({
      action: 'client.authenticate',
      target_type: 'PublicKeyCredential',
      changed_fields: ['clientAssertion'],
    });
    // The same checks apply: replay, alg none, a foreign key.
    expect((await byAssertion(identifier, signed)).authenticated).toBe(false);
    expect((await byAssertion(identifier, unsigned(identifier))).authenticated).toBe(false);
    expect((await byAssertion(identifier, await assertion(identifier, keyPair('svc')))).authenticated).toBe(false);
    expect((await byAssertion(identifier, await assertion(identifier, key, { payload: { aud: 'https://other.example.com' } }))).authenticated).toBe(false);
  });

  it('failed assertions count against the lockout; once locked out, even a valid assertion is refused unchecked', async () => {
    const { clientId, key } = await keyClient();
    const token = await freshToken();
    const other = keyPair('k1');
    const forged = await assertions(
      clientId,
      other,
      Array.from({ length: DEFAULT_RATE_LIMITS.authFailures }, (_, i) => ({ name: String(i) })),
    );
    for (const signed of Object.values(forged)) expect((await byAssertion(clientId, signed, { token })).authenticated).toBe(false);
    const good = await assertion(clientId, key);
    const locked = await authenticate({ clientId, clientAssertion: good, clientAssertionType: JWT_BEARER, expectedAudiences: AUDIENCES }, { token });
    expect(codes(locked)).toEqual(['RATE_LIMITED']);
    // Refused unchecked: the jti was not taken, another caller can still use the assertion.
    expect((await byAssertion(clientId, good)).authenticated).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------------

/** A CA and certificates made with the openssl CLI. */
const dir = mkdtempSync(join(tmpdir(), 'clavis-client-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
let caReady = false;
function testCa(): string {
  if (!caReady) {
    openssl(
      'req',
      '-x509',
      ...EC,
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
      '-subj',
      '/CN=Clavis client CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign',
    );
    caReady = true;
  }
  return readFileSync(join(dir, 'ca.crt'), 'utf8');
}

let certs = 0;
/** A certificate issued by the test CA (or self-signed), with the given subject and SAN extension. */
function certificate(
  subject: string,
  san: string | null,
  options: { days?: number; selfSigned?: boolean; serverAuth?: boolean } = {},
): { pem: string; key: string } {
  testCa();
  const name = `cert-${++certs}`;
  const ext = [san ? `subjectAltName=${san}` : '', 'basicConstraints=CA:FALSE', `extendedKeyUsage=${options.serverAuth ? 'serverAuth' : 'clientAuth'}`].filter(
    Boolean,
  );
  writeFileSync(join(dir, `${name}.ext`), `${ext.join('\n')}\n`);
  // `x509 -req` (not `req -x509`) because only it takes a negative -days: an expired certificate.
  openssl('req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
  const signer = options.selfSigned ? ['-signkey', `${name}.key`] : ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'];
  openssl('x509', '-req', '-in', `${name}.csr`, ...signer, '-out', `${name}.crt`, '-days', String(options.days ?? 1), '-extfile', `${name}.ext`);
  return { pem: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

/** `x5t#S256` computed independently: SHA-256 of the DER openssl writes, base64url. */
function x5tS256(pem: string): string {
  writeFileSync(join(dir, 'thumb.pem'), pem);
  return createHash('sha256')
    .update(openssl('x509', '-in', 'thumb.pem', '-outform', 'DER'))
    .digest('base64url');
}

describe('tls_client_auth (RFC 8705 §2.1)', () => {
  const SUBJECT = '/C=DE/O=Example Org/OU=Payments/CN=Client One';
  let good: string;
  beforeAll(() => {
    good = certificate(SUBJECT, 'DNS:client.example.com,URI:https://client.example.com/id,IP:192.0.2.10,email:ops@Client.Example.com').pem;
  });

  it('matches the subject DN; the answer carries x5t#S256 of the certificate, and the success is recorded', async () => {
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=Client One,OU=Payments,O=Example Org,C=DE' });
    const before = Date.now();
    const answer = await byCertificate(made.clientId, good);
    expect(answer).toMatchObject({ authenticated: true, method: 'TLS_CLIENT_AUTH', client: { id: made.id }, credential: null, keyId: null });
    expect(answer.certificateThumbprint).toBe(x5tS256(good));
    expect(answer.certificateThumbprint).toBe(createHash('sha256').update(new X509Certificate(good).raw).digest('base64url'));
    expect(JSON.stringify(answer)).not.toContain('BEGIN');
    expect((await lastUsed(h, made.id, null)).client?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await auditOf(h, made.id)).toContainEqual({ action: 'client.authenticate', target_type: 'Client', changed_fields: ['clientCertificate'] });
  });

  it.each([
    ['different case and spacing', 'cn=client   one, ou=PAYMENTS ,o=EXAMPLE org,C=de'],
    ['attribute type OIDs', '2.5.4.3=Client One,2.5.4.11=Payments,2.5.4.10=Example Org,2.5.4.6=DE'],
    ['long attribute names and ; separators', 'commonName=Client One;organizationalUnitName=Payments;organizationName=Example Org;countryName=DE'],
    ['hex-escaped characters', 'CN=Client\\20One,OU=Payments,O=Example\\ Org,C=DE'],
  ])('the DN still matches with %s (RFC 4514 / RFC 4518 normalisation)', async (_what, dn) => {
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: dn });
    expect((await byCertificate(made.clientId, good)).authenticated).toBe(true);
  });

  it('refuses a DN with another value, a missing or extra RDN, or the RDNs in another order', async () => {
    for (const dn of [
      'CN=Client Two,OU=Payments,O=Example Org,C=DE',
      'CN=Client One,O=Example Org,C=DE',
      'CN=Client One,OU=Payments,O=Example Org,C=DE,DC=example',
      'C=DE,O=Example Org,OU=Payments,CN=Client One',
      'CN=ClientOne,OU=Payments,O=Example Org,C=DE',
    ]) {
      const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: dn });
      expect({ dn, authenticated: (await byCertificate(made.clientId, good)).authenticated }).toEqual({ dn, authenticated: false });
    }
  });

  it('refuses another certificate, an expired one with the right subject, and text that is not a certificate; each refusal is audited', async () => {
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=Client One,OU=Payments,O=Example Org,C=DE' });
    const wrong = certificate('/C=DE/O=Example Org/OU=Payments/CN=Client Two', null).pem;
    const expired = certificate(SUBJECT, null, { days: -1 }).pem;
    expect(new Date(new X509Certificate(expired).validTo).getTime()).toBeLessThan(Date.now());
    for (const pem of [wrong, expired, 'not a certificate', good.replace(/[A-Za-z]{8}\n/, 'AAAAAAAA\n')]) {
      expect(await byCertificate(made.clientId, pem)).toMatchObject({ authenticated: false, method: null, certificateThumbprint: null });
    }
    expect((await auditOf(h, made.clientId)).filter((event) => event.action === 'client.authenticate_failed')).toHaveLength(4);
    expect((await byCertificate(made.clientId, good)).authenticated).toBe(true);
  });

  it.each([
    ['tlsClientAuthSanDns', 'CLIENT.example.com'],
    ['tlsClientAuthSanUri', 'https://client.example.com/id'],
    ['tlsClientAuthSanIp', '192.0.2.10'],
    ['tlsClientAuthSanEmail', 'ops@client.example.com'],
  ])('matches the SAN registered in %s', async (field, value) => {
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', [field]: value });
    expect(await byCertificate(made.clientId, good)).toMatchObject({ authenticated: true, method: 'TLS_CLIENT_AUTH' });
  });

  it('refuses a SAN of the wrong type, or of the right type with another value', async () => {
    const uriOnly = certificate('/CN=uri only', 'URI:https://client.example.com').pem;
    const dnsOnly = certificate('/CN=dns only', 'DNS:client.example.com,DNS:192.0.2.10').pem;
    const emailInDn = certificate('/CN=ops@client.example.com/emailAddress=ops@client.example.com', 'DNS:mail.example.com').pem;
    const cases: [string, string, string][] = [
      ['tlsClientAuthSanDns', 'client.example.com', uriOnly], // the name only inside a URI SAN
      ['tlsClientAuthSanUri', 'https://client.example.com', dnsOnly], // a DNS SAN is not a URI
      ['tlsClientAuthSanIp', '192.0.2.10', dnsOnly], // the address as a DNS name is not an IP SAN
      ['tlsClientAuthSanEmail', 'ops@client.example.com', emailInDn], // in the subject DN, not an rfc822Name SAN
      ['tlsClientAuthSanDns', 'other.example.com', good],
      ['tlsClientAuthSanUri', 'https://client.example.com/ID', good], // URIs compare exactly
      ['tlsClientAuthSanIp', '192.0.2.11', good],
      ['tlsClientAuthSanEmail', 'OPS@client.example.com', good], // the local part is case-sensitive
    ];
    for (const [field, value, pem] of cases) {
      const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', [field]: value });
      expect({ field, value, authenticated: (await byCertificate(made.clientId, pem)).authenticated }).toEqual({ field, value, authenticated: false });
    }
  });

  it('refuses a certificate for a client of another method, and one of another organization', async () => {
    const { clientId } = await keyClient();
    expect((await byCertificate(clientId, good)).authenticated).toBe(false);
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=Client One,OU=Payments,O=Example Org,C=DE' });
    const stranger = await h.token({ org: 'org-b', sub: `stranger-${++callers}` });
    expect((await byCertificate(made.clientId, good, { token: stranger })).authenticated).toBe(false);
  });

  it('failed certificates count against the lockout', async () => {
    const made = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=Client One,OU=Payments,O=Example Org,C=DE' });
    const token = await freshToken();
    const wrong = certificate('/CN=someone else', null).pem;
    for (let i = 0; i < DEFAULT_RATE_LIMITS.authFailures; i++) expect((await byCertificate(made.clientId, wrong, { token })).authenticated).toBe(false);
    expect(codes(await authenticate({ clientId: made.clientId, clientCertificate: good }, { token }))).toEqual(['RATE_LIMITED']);
    expect((await byCertificate(made.clientId, good)).authenticated).toBe(true);
  });
});

describe('self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
  /** The JWK of a certificate's public key with the certificate in x5c, as RFC 8705 §2.2 registers it. */
  function jwkWithCertificate(pem: string, kid: string) {
    const certificateObject = new X509Certificate(pem);
    return { ...certificateObject.publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', x5c: [certificateObject.raw.toString('base64')] };
  }

  it('matches the certificate in the x5c of a registered key, names that key, and refuses another self-signed certificate', async () => {
    const mine = certificate('/CN=self signed client', null, { selfSigned: true }).pem;
    const impostor = certificate('/CN=self signed client', null, { selfSigned: true }).pem;
    const made = await client({ tokenEndpointAuthMethod: 'SELF_SIGNED_TLS_CLIENT_AUTH' });
    const credentialId = await credential(made.applicationId, made.clientId, { jwks: { keys: [jwkWithCertificate(mine, 'cert-1')] } });
    const before = Date.now();
    const answer = await byCertificate(made.clientId, mine);
    expect(answer).toMatchObject({
      authenticated: true,
      method: 'SELF_SIGNED_TLS_CLIENT_AUTH',
      keyId: 'cert-1',
      certificateThumbprint: x5tS256(mine),
      client: { id: made.id },
      credential: { id: credentialId },
    });
    const used = await lastUsed(h, made.id, credentialId);
    expect(used.client?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(used.credential?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((await byCertificate(made.clientId, impostor)).authenticated).toBe(false);
    // A TLS_CLIENT_AUTH client is not matched by x5c, nor a SELF_SIGNED one by its DN.
    const dnClient = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=self signed client' });
    await credential(dnClient.applicationId, dnClient.clientId, { jwks: { keys: [jwkWithCertificate(impostor, 'cert-1')] } });
    expect((await byCertificate(dnClient.clientId, impostor)).authenticated).toBe(true);
    const expired = certificate('/CN=self signed expired', null, { selfSigned: true, days: -1 }).pem;
    const expiredClient = await client({ tokenEndpointAuthMethod: 'SELF_SIGNED_TLS_CLIENT_AUTH' });
    await credential(expiredClient.applicationId, expiredClient.clientId, { jwks: { keys: [jwkWithCertificate(expired, 'old')] } });
    expect((await byCertificate(expiredClient.clientId, expired)).authenticated).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('jwks_uri: fetched through the safe fetcher, cached, fetched again once on an unknown kid', () => {
  let server: HttpsServer;
  let jwksUrl: string;
  let published: object;
  let fetches = 0;
  let hj: Harness;
  let fetcher: SafeFetcher;

  beforeAll(async () => {
    const ca = testCa();
    const tls = certificate('/CN=localhost', 'DNS:localhost,IP:127.0.0.1', { serverAuth: true });
    server = createHttpsServer({ key: tls.key, cert: tls.pem }, (req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify(published));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    jwksUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    fetcher = new SafeFetcher({ ca, allowLoopback: true, maxBytes: JWKS_LIMITS.bytes, acceptContentTypes: ['application/json', 'application/jwk-set+json'] });
    hj = await createHarness({ jwksFetcher: fetcher });
  });
  afterAll(async () => {
    await hj?.close();
    await fetcher?.close();
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
  });

  it('a known kid uses the cached set; an unknown kid fetches once more and the rotated key is accepted; a kid still unknown is refused', async () => {
    const k1 = keyPair('k1');
    const k2 = keyPair('k2');
    published = { keys: [k1.publicJwk] };
    const made = await client({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' }, hj);
    const credentialId = await credential(made.applicationId, made.clientId, { jwksUri: jwksUrl }, hj);

    fetches = 0;
    expect(await byAssertion(made.clientId, await assertion(made.clientId, k1), { harness: hj })).toMatchObject({
      authenticated: true,
      keyId: 'k1',
      credential: { id: credentialId },
    });
    expect(fetches).toBe(1);
    expect((await byAssertion(made.clientId, await assertion(made.clientId, k1), { harness: hj })).authenticated).toBe(true);
    expect(fetches).toBe(1); // cached

    // The client rotates: k2 is published, the cached set does not have it yet.
    published = { keys: [k1.publicJwk, k2.publicJwk] };
    expect(await byAssertion(made.clientId, await assertion(made.clientId, k2), { harness: hj })).toMatchObject({
      authenticated: true,
      keyId: 'k2',
      keyThumbprint: await calculateJwkThumbprint(k2.publicJwk as never, 'sha256'),
    });
    expect(fetches).toBe(2);

    // A kid the publisher does not have: one more fetch, then refused (no loop).
    const k3 = keyPair('k3');
    expect((await byAssertion(made.clientId, await assertion(made.clientId, k3), { harness: hj })).authenticated).toBe(false);
    expect(fetches).toBe(3);
    // A jwks_uri is not validated like a stored jwks: one that publishes a symmetric key holding the public key's bytes
    // must still not let an HS256 "signature" with those bytes through (only the algorithm allow-list stops this one).
    published = { keys: [k1.publicJwk, k2.publicJwk, { kty: 'oct', kid: 'hs', k: Buffer.from(k1.publicPem).toString('base64url') }] };
    const hmac = await assertion(made.clientId, k1, { hmacSecret: k1.publicPem, header: { kid: 'hs' } });
    expect((await byAssertion(made.clientId, hmac, { harness: hj })).authenticated).toBe(false);
    expect(fetches).toBe(3); // refused on its header, before any fetch
    // A known kid with a signature by another key: refused without fetching again.
    expect((await byAssertion(made.clientId, await assertion(made.clientId, k1, { privateJwk: k2.privateJwk }), { harness: hj })).authenticated).toBe(false);
    expect(fetches).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('registration of the methods', () => {
  const VALIDATE = `query ($input: ClientSettingsInput!) { validateClientSettings(input: $input) { path code severity reference message } }`;

  it('createClient refuses CLIENT_SECRET_JWT with the reason, and writes nothing', async () => {
    const app = expectOk<any>(await h.run(APP, { input: { identifier: `csj-${process.pid}`, name: 'csj' } })).createApplication.application;
    const before = await h.count('clients');
    const result = await h.run<any>(CLIENT, { input: { applicationId: app.id, name: 'csj', tokenEndpointAuthMethod: 'CLIENT_SECRET_JWT' } });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(result.errors)).toContain(CLIENT_SECRET_JWT_REFUSAL);
    expect(await h.count('clients')).toBe(before);
    const issues = expectOk<any>(await h.run(VALIDATE, { input: { tokenEndpointAuthMethod: 'CLIENT_SECRET_JWT' } })).validateClientSettings;
    expect(issues).toContainEqual({
      path: 'tokenEndpointAuthMethod',
      code: 'CLIENT_SECRET_JWT_UNSUPPORTED',
      severity: 'ERROR',
      reference: 'RFC 7523 §2.2',
      message: CLIENT_SECRET_JWT_REFUSAL,
    });
  });

  it('dynamic registration (RFC 7591) takes the RFC 8705 methods and metadata, refuses client_secret_jwt with the same reason', async () => {
    const base = await h.listen();
    const app = expectOk<any>(await h.run(APP, { input: { identifier: `reg-${process.pid}`, name: 'reg' } })).createApplication.application;
    const initial = expectOk<any>(
      await h.run(`mutation ($input: CreateRegistrationTokenInput!) { createRegistrationToken(input: $input) { token } }`, {
        input: { applicationId: app.id },
      }),
    ).createRegistrationToken.token as string;
    const register = async (body: Record<string, unknown>) => {
      const response = await fetch(`${base}/oauth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${initial}` },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, any> };
    };
    const registered = await register({
      client_name: 'mtls',
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_san_dns: 'client.example.com',
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'client.example.com' });
    expect(registered.body.client_secret).toBeUndefined();
    const pem = certificate('/CN=registered', 'DNS:client.example.com').pem;
    expect(await byCertificate(registered.body.client_id, pem)).toMatchObject({ authenticated: true, method: 'TLS_CLIENT_AUTH' });

    const selfSigned = await register({ client_name: 'self', grant_types: ['client_credentials'], token_endpoint_auth_method: 'self_signed_tls_client_auth' });
    expect(selfSigned).toMatchObject({ status: 201, body: { token_endpoint_auth_method: 'self_signed_tls_client_auth' } });

    const ambiguous = await register({
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=a',
      tls_client_auth_san_dns: 'a.example.com',
    });
    expect(ambiguous).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    expect(ambiguous.body.error_description).toContain('tls_client_auth_subject_dn');
    const csj = await register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_jwt' });
    expect(csj).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
    expect(csj.body.error_description).toContain(CLIENT_SECRET_JWT_REFUSAL);
  });

  it('validateClientSettings: TLS_CLIENT_AUTH needs exactly one tls_client_auth_* field (RFC 8705 §2.1.2), each well-formed', async () => {
    const issuesOf = async (input: Record<string, unknown>) =>
      (expectOk<any>(await h.run(VALIDATE, { input: { clientType: 'MACHINE', ...input } })).validateClientSettings as any[]).map(
        ({ path, code, severity, reference }) => ({ path, code, severity, reference }),
      );
    const error = (path: string, code: string, reference = 'RFC 8705 §2.1.2') => ({ path, code, severity: 'ERROR', reference });
    expect(await issuesOf({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSanDns: 'client.example.com' })).toEqual([]);
    expect(await issuesOf({ tokenEndpointAuthMethod: 'SELF_SIGNED_TLS_CLIENT_AUTH' })).toEqual([]);
    expect(await issuesOf({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH' })).toEqual(
      expect.arrayContaining([
        error('tlsClientAuthSubjectDn', 'TLS_CLIENT_AUTH_METADATA_REQUIRED'),
        error('tlsClientAuthSanEmail', 'TLS_CLIENT_AUTH_METADATA_REQUIRED'),
      ]),
    );
    expect(await issuesOf({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'CN=a', tlsClientAuthSanDns: 'a.example.com' })).toEqual([
      error('tlsClientAuthSubjectDn', 'TLS_CLIENT_AUTH_METADATA_AMBIGUOUS'),
      error('tlsClientAuthSanDns', 'TLS_CLIENT_AUTH_METADATA_AMBIGUOUS'),
    ]);
    expect(await issuesOf({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'not a dn' })).toEqual([
      error('tlsClientAuthSubjectDn', 'TLS_CLIENT_AUTH_SUBJECT_DN_INVALID', 'RFC 4514 §3'),
    ]);
    expect(await issuesOf({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSanIp: '999.1.1.1' })).toEqual([
      error('tlsClientAuthSanIp', 'TLS_CLIENT_AUTH_SAN_IP_INVALID'),
    ]);
    expect(await issuesOf({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT', tlsClientAuthSanDns: 'a.example.com' })).toEqual([
      { path: 'tlsClientAuthSanDns', code: 'TLS_CLIENT_AUTH_METADATA_UNUSED', severity: 'WARNING', reference: 'RFC 8705 §2.1.2' },
    ]);
    // createClient agrees with the dry run.
    const app = expectOk<any>(await h.run(APP, { input: { identifier: `tls-${process.pid}`, name: 'tls' } })).createApplication.application;
    const refused = await h.run(CLIENT, { input: { applicationId: app.id, name: 'tls', tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH' } });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
  });
});
