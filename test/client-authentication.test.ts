import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { type Harness, createHarness, expectOk } from './helpers/harness';

const APP = `mutation ($input: CreateApplicationInput!) { createApplication(input: $input) { application { id } } }`;
const CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { id clientId } } }`;
const CRED = `mutation ($input: CreateCredentialInput!) { createCredential(input: $input) { credential { ... on PublicKeyCredential { id } } } }`;
const AUTH = `mutation ($input: AuthenticateClientInput!) {
  authenticateClient(input: $input) { authenticated method keyId keyThumbprint certificateThumbprint client { clientId } } }`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const AUD = 'https://as.example.com/token';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

let seq = 0;
async function client(input: Record<string, unknown>): Promise<{ applicationId: string; clientId: string }> {
  seq += 1;
  const app = expectOk<any>(await h.run(APP, { input: { identifier: `ca-${seq}`, name: `CA ${seq}` } })).createApplication.application;
  const created = expectOk<any>(await h.run(CLIENT, { input: { applicationId: app.id, name: `c${seq}`, ...input } })).createClient.client;
  return { applicationId: app.id, clientId: created.clientId };
}

describe('private_key_jwt', () => {
  it('verifies an assertion once, refuses its replay, a wrong aud and HS256', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
    const { applicationId, clientId } = await client({ tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT' });
    expectOk(await h.run(CRED, { input: { applicationId, publicKey: { identifier: clientId, jwks: { keys: [jwk] } } } }));
    const sign = (claims: Record<string, unknown> = {}) =>
      new SignJWT({ jti: `j-${Math.random()}`, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience((claims.aud as string | undefined) ?? AUD)
        .setIssuedAt()
        .setExpirationTime('60s')
        .sign(privateKey);
    const auth = (hh: Harness, clientAssertion: string) =>
      hh.run<any>(AUTH, { input: { clientId, clientAssertion, clientAssertionType: JWT_BEARER, expectedAudiences: [AUD] } });

    const assertion = await sign();
    const ok = expectOk(await auth(h, assertion)).authenticateClient;
    expect(ok).toMatchObject({ authenticated: true, method: 'PRIVATE_KEY_JWT', keyId: 'k1', client: { clientId } });
    expect(expectOk(await auth(h, assertion)).authenticateClient.authenticated).toBe(false);
    expect(expectOk(await auth(h, await sign({ aud: 'https://other.example.com' }))).authenticateClient.authenticated).toBe(false);
    const tooLong = await new SignJWT({ jti: 'long' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(expectOk(await auth(h, tooLong)).authenticateClient.authenticated).toBe(false);
    const hs = await new SignJWT({ jti: 'hs' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(AUD)
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(new TextEncoder().encode(JSON.stringify(jwk)));
    expect(expectOk(await auth(h, hs)).authenticateClient.authenticated).toBe(false);
  });
});

describe('tls_client_auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clavis-mtls-'));
  function certificate(name: string, subject: string, san: string): string {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(dir, `${name}.key`),
        '-out',
        join(dir, `${name}.pem`),
        '-days',
        '1',
        '-subj',
        subject,
        '-addext',
        `subjectAltName=${san}`,
      ],
      { stdio: 'ignore' },
    );
    return readFileSync(join(dir, `${name}.pem`), 'utf8');
  }

  it('matches the DN after RFC 4514 normalisation and a SAN only by its type', async () => {
    const pem = certificate('a', '/C=DE/O=Example Org/CN=Client One', 'DNS:client.example.com,URI:https://client.example.com');
    const byDn = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSubjectDn: 'cn=client   one, o=EXAMPLE org,C=de' });
    const ok = expectOk(await h.run<any>(AUTH, { input: { clientId: byDn.clientId, clientCertificate: pem } })).authenticateClient;
    expect(ok).toMatchObject({ authenticated: true, method: 'TLS_CLIENT_AUTH' });
    expect(ok.certificateThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const other = certificate('b', '/C=DE/O=Example Org/CN=Client Two', 'DNS:two.example.com');
    expect(expectOk(await h.run<any>(AUTH, { input: { clientId: byDn.clientId, clientCertificate: other } })).authenticateClient.authenticated).toBe(false);

    // client.example.com appears only inside a URI SAN here, not as a DNS one.
    const uriOnly = certificate('c', '/CN=c', 'URI:https://client.example.com');
    const bySan = await client({ tokenEndpointAuthMethod: 'TLS_CLIENT_AUTH', tlsClientAuthSanDns: 'client.example.com' });
    expect(expectOk(await h.run<any>(AUTH, { input: { clientId: bySan.clientId, clientCertificate: uriOnly } })).authenticateClient.authenticated).toBe(false);
    expect(expectOk(await h.run<any>(AUTH, { input: { clientId: bySan.clientId, clientCertificate: pem } })).authenticateClient.authenticated).toBe(true);
  });
});
