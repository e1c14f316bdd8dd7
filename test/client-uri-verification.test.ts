import { createSocket } from 'node:dgram';
import dns2 from 'dns2';
import { SCOPES } from '../src/auth/scopes';
import { challengeRecordName } from '../src/clients/client.entity';
import { ClientUriVerificationService, type DnsSettings, lookupTxt } from '../src/clients/client-uri-verification';
import { ConfigError, loadConfig, parseDnsServers } from '../src/config';
import { type Harness, codes, createHarness, expectOk, fieldPaths } from './helpers/harness';
import { CREATE_APPLICATION } from './helpers/operations';

/**
 * verifyClientUri against a real DNS server (dns2) on 127.0.0.1, on an ephemeral UDP port.
 * Each test publishes what it needs in `zone` under a host of its own.
 */

const { Packet } = dns2;
/** dns2 has response codes at run time, but not in its typings. */
const NXDOMAIN = (Packet as unknown as { RCODE: { NXDOMAIN: number } }).RCODE.NXDOMAIN;

interface ZoneEntry {
  /** TXT records, each a list of strings (one record may be split into several). Empty: NODATA. */
  txt: string[][];
  /** Answer after this long. */
  delayMs?: number;
  /** Never answer. */
  silent?: boolean;
}

const zone = new Map<string, ZoneEntry>();
/** Every question the server received, as `TYPE name`. */
const queries: string[] = [];
/** Called for each question the server receives (after recording it). */
let onQuery: (name: string) => void = () => undefined;

const dnsServer = dns2.createServer({
  udp: true,
  handle: (request, send) => {
    const [question] = request.questions;
    const name = question.name.toLowerCase();
    const type = Object.entries(Packet.TYPE).find(([, value]) => value === question.type)?.[0] ?? String(question.type);
    queries.push(`${type} ${name}`);
    onQuery(name);
    const response = Packet.createResponseFromRequest(request);
    const entry = zone.get(name);
    if (!entry) {
      response.header.rcode = NXDOMAIN;
      void send(response);
      return;
    }
    if (entry.silent) return;
    if (question.type === Packet.TYPE.TXT) {
      for (const data of entry.txt) response.answers.push({ name: question.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data } as never);
    }
    setTimeout(() => void send(response), entry.delayMs ?? 0);
  },
});

const CLIENT = `id version visibility promotedAt clientUri clientUriVerification { status txtRecord recordName reason checkedAt }`;
const CREATE_CLIENT = `mutation ($input: CreateClientInput!) { createClient(input: $input) { client { ${CLIENT} } } }`;
const UPDATE_CLIENT = `mutation ($input: UpdateClientInput!) { updateClient(input: $input) { client { ${CLIENT} } } }`;
const VERIFY = `mutation ($input: VerifyClientUriInput!) { verifyClientUri(input: $input) { client { ${CLIENT} } } }`;
const GET_CLIENT = `query ($id: ID!) { client(id: $id) { ${CLIENT} } }`;

type Client = {
  id: string;
  version: number;
  visibility: string;
  promotedAt: Date | string | null;
  clientUri: string | null;
  clientUriVerification: { status: string; txtRecord: string; recordName: string | null; reason: string | null; checkedAt: Date | string | null } | null;
};

let h: Harness;
let dnsAddress: string;
let applicationId: string;
let seq = 0;

/**
 * Points verifyClientUri at these DNS settings (the harness starts with the system's resolvers): the
 * resolver holds the harness's service, so its verify runs a real service built with these settings.
 */
function useDns(settings: Partial<DnsSettings>): void {
  const configured = new ClientUriVerificationService(h.dataSource, h.services.clients, h.services.audit, settings);
  jest.spyOn(h.services.clientUriVerification, 'verify').mockImplementation((caller, input) => configured.verify(caller, input));
}

const DEFAULT_TIMEOUT_MS = 2000;

beforeAll(async () => {
  await dnsServer.listen({ udp: { port: 0, address: '127.0.0.1' } });
  dnsAddress = `127.0.0.1:${(dnsServer.addresses().udp as { port: number }).port}`;
  h = await createHarness();
  const app = expectOk(await h.run<any>(CREATE_APPLICATION, { input: { identifier: 'dns-app', name: 'DNS App' } }));
  applicationId = app.createApplication.application.id;
});
beforeEach(() => {
  useDns({ servers: [dnsAddress], timeoutMs: DEFAULT_TIMEOUT_MS });
  queries.length = 0;
  onQuery = () => undefined;
});
afterAll(async () => {
  await h?.close();
  await dnsServer.close();
});

/** A host no other test uses. */
function newHost(): string {
  seq += 1;
  return `app-${seq}.example.test`;
}

async function createClient(clientUri: string | null, extra: Record<string, unknown> = {}, token?: string): Promise<Client> {
  return expectOk(await h.run<any>(CREATE_CLIENT, { input: { applicationId, name: 'Client', clientType: 'MACHINE', clientUri, ...extra } }, { token }))
    .createClient.client;
}

const verify = (id: string, token?: string) => h.run<any>(VERIFY, { input: { id } }, { token });
const update = (input: Record<string, unknown>, token?: string) => h.run<any>(UPDATE_CLIENT, { input }, { token });

async function verifyOk(id: string): Promise<Client> {
  return expectOk(await verify(id)).verifyClientUri.client;
}

async function getClient(id: string): Promise<Client> {
  return expectOk(await h.run<any>(GET_CLIENT, { id })).client;
}

async function row(id: string): Promise<Record<string, unknown>> {
  const [found] = await h.dataSource.query('SELECT row_to_json(c)::jsonb AS row FROM clients c WHERE id = $1', [id]);
  return found.row;
}

/** Publishes the client's TXT record value (or `value`) at its record name. */
function publish(client: Client, entry: Partial<ZoneEntry> = {}): string {
  const name = client.clientUriVerification!.recordName!;
  zone.set(name, { txt: [[client.clientUriVerification!.txtRecord]], ...entry });
  return name;
}

describe('a client URI starts a verification', () => {
  it('PENDING, with the exact TXT value and the name to publish it at: _clavis-challenge.<host>', async () => {
    const host = newHost();
    const client = await createClient(`https://${host}/about?lang=en`);
    expect(client.clientUriVerification).toEqual({
      status: 'PENDING',
      txtRecord: expect.stringMatching(/^clavis-client-uri-verification=[A-Za-z0-9_-]{24}$/),
      recordName: `_clavis-challenge.${host}`,
      reason: null,
      checkedAt: null,
    });
    expect(challengeRecordName('https://Shop.Example.TEST.:8443/x')).toBe('_clavis-challenge.shop.example.test');
  });

  it('an IP-literal or loopback host has no record name', async () => {
    expect(challengeRecordName('https://203.0.113.7/')).toBeNull();
    expect(challengeRecordName('https://[2001:db8::1]/')).toBeNull();
    expect(challengeRecordName('https://localhost/')).toBeNull();
    const client = await createClient('https://203.0.113.7/app');
    expect(client.clientUriVerification).toMatchObject({ status: 'PENDING', recordName: null });
    const failed = await verifyOk(client.id);
    expect(failed.clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/not verifiable.*IP address/) });
    expect(queries).toEqual([]);
  });
});

describe('verifyClientUri', () => {
  it('the right record → VERIFIED; then visibility PUBLIC works and promotedAt records when', async () => {
    const client = await createClient(`https://${newHost()}`);
    const name = publish(client);

    const before = Date.now();
    const verified = await verifyOk(client.id);
    expect(verified.clientUriVerification).toEqual({ ...client.clientUriVerification, status: 'VERIFIED', reason: null, checkedAt: expect.anything() });
    const checkedAt = new Date(verified.clientUriVerification!.checkedAt!).getTime();
    expect(checkedAt).toBeGreaterThanOrEqual(before - 5);
    expect(checkedAt).toBeLessThanOrEqual(Date.now() + 5);
    expect(verified.version).toBe(client.version + 2); // IN_PROGRESS, then VERIFIED
    expect(queries).toEqual([`TXT ${name}`]);
    expect(await getClient(client.id)).toEqual(verified);
    // Both steps are in the audit trail.
    const trail = await h.dataSource.query(`SELECT action FROM audit_events WHERE target_id = $1 ORDER BY created_at, id`, [client.id]);
    expect(trail.map((row: { action: string }) => row.action)).toEqual(['client.create', 'client.verify_uri_started', 'client.verify_uri_verified']);

    const promotedFrom = Date.now();
    const published = expectOk(await update({ id: client.id, visibility: 'PUBLIC' })).updateClient.client;
    expect(published.visibility).toBe('PUBLIC');
    const promotedAt = new Date(published.promotedAt).getTime();
    expect(promotedAt).toBeGreaterThanOrEqual(promotedFrom - 5);
    expect(promotedAt).toBeLessThanOrEqual(Date.now() + 5);
    expect(published.clientUriVerification.status).toBe('VERIFIED');

    // A VERIFIED URI is not looked up again.
    queries.length = 0;
    const again = await verifyOk(client.id);
    expect(again).toEqual(await getClient(client.id));
    expect(again.version).toBe(published.version);
    expect(queries).toEqual([]);
  });

  it('the value among other TXT records, and split into several strings, still verifies', async () => {
    const client = await createClient(`https://${newHost()}`);
    const value = client.clientUriVerification!.txtRecord;
    publish(client, { txt: [['v=spf1 -all'], [value.slice(0, 10), value.slice(10, 25), value.slice(25)], ['other=1']] });
    expect((await verifyOk(client.id)).clientUriVerification!.status).toBe('VERIFIED');
  });

  it('a wrong value → FAILED with the reason; PUBLIC is refused; once the record is fixed a retry verifies', async () => {
    const client = await createClient(`https://${newHost()}`);
    const name = publish(client, { txt: [['clavis-client-uri-verification=not-the-right-one']] });

    const failed = await verifyOk(client.id);
    expect(failed.clientUriVerification).toMatchObject({ status: 'FAILED', txtRecord: client.clientUriVerification!.txtRecord, checkedAt: expect.anything() });
    expect(failed.clientUriVerification!.reason).toMatch(/^wrong value/);
    expect(failed.clientUriVerification!.reason).toContain(name);
    expect(failed.clientUriVerification!.reason).toContain('not-the-right-one');

    // Case and surrounding spaces matter: the value must match exactly.
    publish(client, { txt: [[` ${client.clientUriVerification!.txtRecord}`], [client.clientUriVerification!.txtRecord.toUpperCase()]] });
    expect((await verifyOk(client.id)).clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^wrong value/) });

    const stored = await row(client.id);
    const refused = await update({ id: client.id, visibility: 'PUBLIC' });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(refused)).toEqual(['visibility']);
    expect(await row(client.id)).toEqual(stored);

    publish(client);
    const retried = await verifyOk(client.id);
    expect(retried.clientUriVerification).toMatchObject({ status: 'VERIFIED', reason: null });
  });

  it('a missing record → FAILED: the name does not exist (NXDOMAIN) or has no TXT record (NODATA)', async () => {
    const absent = await createClient(`https://${newHost()}`);
    const nxdomain = await verifyOk(absent.id);
    expect(nxdomain.clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^record missing.*NXDOMAIN/) });
    expect(nxdomain.clientUriVerification!.reason).toContain(absent.clientUriVerification!.recordName!);

    const empty = await createClient(`https://${newHost()}`);
    publish(empty, { txt: [] });
    const nodata = await verifyOk(empty.id);
    expect(nodata.clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^record missing.*no TXT record/) });
  });

  it('a resolver that never answers → FAILED with a timeout reason, within the configured timeout', async () => {
    useDns({ servers: [dnsAddress], timeoutMs: 200 });
    const client = await createClient(`https://${newHost()}`);
    publish(client, { silent: true });
    const started = Date.now();
    const failed = await verifyOk(client.id);
    const took = Date.now() - started;
    expect(failed.clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^resolver timeout/) });
    expect(took).toBeLessThan(2000);
    // The client is not stuck: a retry runs (and fails the same way).
    expect((await verifyOk(client.id)).clientUriVerification!.status).toBe('FAILED');
  });

  it('a resolver address where nothing listens → FAILED, resolver unreachable', async () => {
    const socket = createSocket('udp4');
    const port = await new Promise<number>((resolve) => socket.bind(0, '127.0.0.1', () => resolve(socket.address().port)));
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    useDns({ servers: [`127.0.0.1:${port}`], timeoutMs: 200 });

    const client = await createClient(`https://${newHost()}`);
    const started = Date.now();
    const failed = await verifyOk(client.id);
    expect(failed.clientUriVerification).toMatchObject({ status: 'FAILED', reason: expect.stringMatching(/^resolver (unreachable|timeout)/) });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('IN_PROGRESS is committed before the lookup and seen by other requests; no lock is held meanwhile', async () => {
    const client = await createClient(`https://${newHost()}`);
    const name = publish(client, { delayMs: 700 });
    const asked = new Promise<void>((resolve) => {
      onQuery = (queried) => queried === name && resolve();
    });

    const pending = verify(client.id);
    await asked;

    const during = await getClient(client.id);
    expect(during.clientUriVerification).toMatchObject({ status: 'IN_PROGRESS', reason: null, txtRecord: client.clientUriVerification!.txtRecord });
    expect(during.clientUriVerification!.checkedAt).not.toBeNull();
    expect(during.version).toBe(client.version + 1);

    // No transaction holds the client or its application while DNS answers.
    await expect(h.dataSource.query('SELECT id FROM clients WHERE id = $1 FOR UPDATE NOWAIT', [client.id])).resolves.toHaveLength(1);
    await expect(h.dataSource.query('SELECT id FROM applications WHERE id = $1 FOR UPDATE NOWAIT', [applicationId])).resolves.toHaveLength(1);

    // A second check of the same client meanwhile is a CONFLICT; publishing is still refused.
    expect(codes(await verify(client.id))).toEqual(['CONFLICT']);
    expect(codes(await update({ id: client.id, visibility: 'PUBLIC' }))).toEqual(['BAD_USER_INPUT']);

    const done = expectOk(await pending).verifyClientUri.client;
    expect(done.clientUriVerification.status).toBe('VERIFIED');
    expect(queries.filter((q) => q === `TXT ${name}`)).toHaveLength(1);
  });

  it('an IN_PROGRESS check abandoned by a crashed process may be started again', async () => {
    const client = await createClient(`https://${newHost()}`);
    publish(client);
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    await h.dataSource.query(
      `UPDATE clients
          SET client_uri_verification = client_uri_verification || jsonb_build_object('status', 'IN_PROGRESS', 'checkedAt', $2::text)
        WHERE id = $1`,
      [client.id, stale],
    );
    expect((await verifyOk(client.id)).clientUriVerification!.status).toBe('VERIFIED');
  });

  it('a clientUri changed while the lookup runs: the stale result is dropped', async () => {
    const client = await createClient(`https://${newHost()}`);
    const name = publish(client, { delayMs: 500 });
    const asked = new Promise<void>((resolve) => {
      onQuery = (queried) => queried === name && resolve();
    });
    const pending = verify(client.id);
    await asked;

    const moved = expectOk(await update({ id: client.id, clientUri: `https://${newHost()}` })).updateClient.client;
    expect(moved.clientUriVerification.status).toBe('PENDING');

    const result = expectOk(await pending).verifyClientUri.client;
    expect(result.clientUriVerification).toEqual(moved.clientUriVerification);
    expect(await getClient(client.id)).toMatchObject({ clientUri: moved.clientUri, clientUriVerification: moved.clientUriVerification });
  });

  it('a client without a clientUri → BAD_USER_INPUT on id', async () => {
    const client = await createClient(null);
    const result = await verify(client.id);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['id']);
  });

  it("another organization's client, or a missing one → NOT_FOUND; nothing changed, nothing looked up", async () => {
    const client = await createClient(`https://${newHost()}`);
    publish(client);
    const stored = await row(client.id);
    expect(codes(await verify(client.id, await h.token({ org: 'org-b' })))).toEqual(['NOT_FOUND']);
    expect(codes(await verify('cli_00000000000000000000000000'))).toEqual(['NOT_FOUND']);
    expect(await row(client.id)).toEqual(stored);
    expect(queries).toEqual([]);
  });

  it('needs applications:write, and platform:write for a PLATFORM application’s client', async () => {
    const client = await createClient(`https://${newHost()}`);
    publish(client);
    const stored = await row(client.id);
    expect(codes(await verify(client.id, await h.token({ scopes: ['applications:read'] })))).toEqual(['FORBIDDEN']);
    expect(await row(client.id)).toEqual(stored);

    const platform = expectOk(await h.run<any>(CREATE_APPLICATION, { input: { identifier: 'dns-platform', name: 'Platform', ownerType: 'PLATFORM' } }));
    const platformClient = expectOk(
      await h.run<any>(CREATE_CLIENT, {
        input: { applicationId: platform.createApplication.application.id, name: 'P', clientType: 'MACHINE', clientUri: `https://${newHost()}` },
      }),
    ).createClient.client as Client;
    publish(platformClient);
    const withoutPlatform = await h.token({ scopes: SCOPES.filter((scope) => scope !== 'platform:write') });
    const platformStored = await row(platformClient.id);
    expect(codes(await verify(platformClient.id, withoutPlatform))).toEqual(['FORBIDDEN']);
    expect(await row(platformClient.id)).toEqual(platformStored);
    expect(queries).toEqual([]);
    expect((await verifyOk(platformClient.id)).clientUriVerification!.status).toBe('VERIFIED');
  });
});

describe('changing clientUri', () => {
  async function verifiedClient(): Promise<Client> {
    const client = await createClient(`https://${newHost()}`);
    publish(client);
    return verifyOk(client.id);
  }

  it('resets the verification: PENDING, a new TXT value and record name; the same URI keeps it', async () => {
    const client = await verifiedClient();
    const same = expectOk(await update({ id: client.id, clientUri: client.clientUri, name: 'Renamed' })).updateClient.client;
    expect(same.clientUriVerification).toEqual(client.clientUriVerification);

    const host = newHost();
    const moved = expectOk(await update({ id: client.id, clientUri: `https://${host}` })).updateClient.client;
    expect(moved.clientUriVerification).toEqual({
      status: 'PENDING',
      txtRecord: expect.any(String),
      recordName: `_clavis-challenge.${host}`,
      reason: null,
      checkedAt: null,
    });
    expect(moved.clientUriVerification.txtRecord).not.toBe(client.clientUriVerification!.txtRecord);
    expect(codes(await update({ id: client.id, visibility: 'PUBLIC' }))).toEqual(['BAD_USER_INPUT']);
  });

  it('a PUBLIC client cannot move its URI while staying PUBLIC; with visibility PRIVATE in the same update it can', async () => {
    const client = await verifiedClient();
    expectOk(await update({ id: client.id, visibility: 'PUBLIC' }));
    const stored = await row(client.id);

    const refused = await update({ id: client.id, clientUri: `https://${newHost()}` });
    expect(codes(refused)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(refused)).toEqual(['visibility']);
    expect(refused.errors![0].extensions!.fields).toEqual([{ path: 'visibility', message: expect.stringMatching(/visibility: PRIVATE/) }]);
    expect(await row(client.id)).toEqual(stored);

    const moved = expectOk(await update({ id: client.id, clientUri: `https://${newHost()}`, visibility: 'PRIVATE' })).updateClient.client;
    expect(moved).toMatchObject({ visibility: 'PRIVATE', promotedAt: null, clientUriVerification: { status: 'PENDING' } });

    // Verified again, it can be published again, with a new promotedAt.
    publish(moved);
    expect((await verifyOk(client.id)).clientUriVerification!.status).toBe('VERIFIED');
    expect(expectOk(await update({ id: client.id, visibility: 'PUBLIC' })).updateClient.client.promotedAt).not.toBeNull();
  });

  it('clearing clientUri clears the verification; a PUBLIC client cannot clear it', async () => {
    const client = await verifiedClient();
    expectOk(await update({ id: client.id, visibility: 'PUBLIC' }));
    expect(fieldPaths(await update({ id: client.id, clientUri: null }))).toEqual(['visibility']);
    const cleared = expectOk(await update({ id: client.id, clientUri: null, visibility: 'PRIVATE' })).updateClient.client;
    expect(cleared).toMatchObject({ clientUri: null, clientUriVerification: null, visibility: 'PRIVATE' });
  });
});

describe('PUBLIC without a VERIFIED client URI', () => {
  it.each([
    ['no clientUri', null],
    ['a PENDING one', 'pending'],
  ])('→ BAD_USER_INPUT on visibility with %s, at create and update', async (_label, uri) => {
    const clientUri = uri ? `https://${newHost()}` : null;
    const created = await h.run<any>(CREATE_CLIENT, { input: { applicationId, name: 'C', clientType: 'MACHINE', clientUri, visibility: 'PUBLIC' } });
    expect(codes(created)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(created)).toEqual(['visibility']);
    const client = await createClient(clientUri);
    const updated = await update({ id: client.id, visibility: 'PUBLIC' });
    expect(codes(updated)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(updated)).toEqual(['visibility']);
  });
});

describe('lookupTxt', () => {
  it('joins the strings of each record', async () => {
    zone.set('_clavis-challenge.join.example.test', { txt: [['a', 'b', 'c'], ['d']] });
    expect(await lookupTxt('_clavis-challenge.join.example.test', { servers: [dnsAddress], timeoutMs: 1000 })).toEqual({ kind: 'found', values: ['abc', 'd'] });
  });
});

describe('DNS configuration', () => {
  it('DNS_RESOLVER takes IP[:port] entries; DNS_TIMEOUT_MS defaults to 3000', () => {
    expect(loadConfig({}).dns).toEqual({ servers: undefined, timeoutMs: 3000 });
    expect(loadConfig({ DNS_RESOLVER: '127.0.0.1:5353', DNS_TIMEOUT_MS: '500' }).dns).toEqual({ servers: ['127.0.0.1:5353'], timeoutMs: 500 });
    expect(parseDnsServers('9.9.9.9, [::1]:53,::1')).toEqual(['9.9.9.9', '[::1]:53', '::1']);
  });

  it.each([
    ['DNS_RESOLVER', 'dns.example.com:53'],
    ['DNS_RESOLVER', '127.0.0.1:0'],
    ['DNS_RESOLVER', '127.0.0.1:99999'],
    ['DNS_RESOLVER', '1.2.3'],
    ['DNS_TIMEOUT_MS', '0'],
    ['DNS_TIMEOUT_MS', 'soon'],
  ])('%s=%s stops start-up with a one-line reason', (key, value) => {
    let error: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(new RegExp(`^invalid configuration: ${key}: `));
    expect((error as Error).message).not.toContain('\n');
  });
});
