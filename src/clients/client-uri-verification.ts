import { Resolver } from 'node:dns/promises';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditLog } from '../audit/audit.service';
import type { Caller } from '../auth/scopes';
import { bumped } from '../common/crud';
import { runTransaction } from '../db/transactions';
import { ConflictError, ValidationFailedError } from '../common/errors';
import { type Client, type ClientUriVerification, ClientUriVerificationStatus, challengeRecordName } from './client.entity';
import type { VerifyClientUriInput } from './client.inputs';
import { updateClient } from './client.repository';

/** Where and how long DNS lookups go. */
export interface DnsSettings {
  /** `ip` or `ip:port` / `[ipv6]:port` entries; empty or unset: the system's resolvers. */
  servers?: string[];
  /** How long one DNS server may take to answer (one try per server). */
  timeoutMs: number;
}

export const DEFAULT_DNS_SETTINGS: DnsSettings = { timeoutMs: 3000 };

/** Outcome of one TXT lookup. */
export type TxtLookup =
  { kind: 'found'; values: string[] } | { kind: 'missing'; detail: string } | { kind: 'timeout' } | { kind: 'unreachable'; detail: string };

/**
 * Looks up the TXT records at `name` with Node's resolver (c-ares), never throwing: each
 * record's strings are joined (a long value is split into 255-byte strings).
 */
export async function lookupTxt(name: string, dns: DnsSettings): Promise<TxtLookup> {
  const resolver = new Resolver({ timeout: dns.timeoutMs, tries: 1 });
  if (dns.servers?.length) resolver.setServers(dns.servers);
  const serverCount = Math.max(1, resolver.getServers().length);
  // c-ares applies the timeout itself (rounded up for short ones); this guard only bounds a resolver that hangs anyway.
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<TxtLookup>((resolve) => {
    timer = setTimeout(
      () => {
        resolver.cancel();
        resolve({ kind: 'timeout' });
      },
      (2 * dns.timeoutMs + 500) * serverCount,
    );
  });
  const lookup = resolver.resolveTxt(name).then(
    (records): TxtLookup => ({ kind: 'found', values: records.map((chunks) => chunks.join('')) }),
    (error: NodeJS.ErrnoException): TxtLookup => {
      switch (error.code) {
        case 'ENOTFOUND':
          return { kind: 'missing', detail: 'the name does not exist (NXDOMAIN)' };
        case 'ENODATA':
          return { kind: 'missing', detail: 'the name has no TXT record' };
        case 'ETIMEOUT':
        case 'ECANCELLED':
          return { kind: 'timeout' };
        case 'ESERVFAIL':
          return { kind: 'unreachable', detail: 'the DNS server failed to answer (SERVFAIL)' };
        case 'EREFUSED':
          return { kind: 'unreachable', detail: 'the DNS server refused the query (REFUSED)' };
        case 'ECONNREFUSED':
          return { kind: 'unreachable', detail: 'the DNS resolver could not be reached (connection refused)' };
        default:
          return { kind: 'unreachable', detail: `the DNS lookup failed (${error.code ?? 'unknown error'})` };
      }
    },
  );
  try {
    return await Promise.race([lookup, guard]);
  } finally {
    clearTimeout(timer);
  }
}

/** The status a lookup leads to, and why. */
export function judge(lookup: TxtLookup, name: string, expected: string, timeoutMs: number): { status: ClientUriVerificationStatus; reason: string | null } {
  const failed = (reason: string) => ({ status: ClientUriVerificationStatus.FAILED, reason });
  switch (lookup.kind) {
    case 'found': {
      if (lookup.values.includes(expected)) return { status: ClientUriVerificationStatus.VERIFIED, reason: null };
      const shown = lookup.values.slice(0, 3).map((value) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value));
      const more = lookup.values.length > 3 ? ` and ${lookup.values.length - 3} more` : '';
      return failed(`wrong value: the TXT records at ${name} do not include the expected value (found ${shown.join(', ')}${more})`);
    }
    case 'missing':
      return failed(`record missing: no TXT record at ${name}: ${lookup.detail}`);
    case 'timeout':
      return failed(`resolver timeout: the DNS lookup of ${name} got no answer in time (timeout ${timeoutMs} ms); try again later`);
    case 'unreachable':
      return failed(`resolver unreachable: ${lookup.detail} while looking up ${name}; try again later`);
  }
}

/** What verification needs of the clients feature (ClientService): a client locked for a change. */
interface ClientLocking {
  lockForChange(manager: EntityManager, caller: Caller, id: string): Promise<Client>;
}

/**
 * verifyClientUri. The state changes are short transactions under the client's lock
 * (ClientService.lockForChange: organization scope, PLATFORM rule); the DNS lookup runs
 * between them with no transaction open:
 *
 * 1. PENDING / FAILED (or an IN_PROGRESS abandoned by a crashed process) → IN_PROGRESS, committed,
 *    so a concurrent caller sees it (a second verifyClientUri meanwhile is a CONFLICT).
 * 2. TXT lookup of `_clavis-challenge.<host>`.
 * 3. → VERIFIED or FAILED with a reason — unless the client URI changed meanwhile, in which
 *    case the result belongs to a verification that no longer exists and is dropped.
 *
 * A VERIFIED client URI is left as it is (no lookup).
 */
export class ClientUriVerificationService {
  private readonly dns: DnsSettings;

  constructor(
    private readonly dataSource: DataSource,
    private readonly clients: ClientLocking,
    private readonly audit: AuditLog,
    dns: Partial<DnsSettings> = {},
  ) {
    this.dns = { ...DEFAULT_DNS_SETTINGS, ...dns };
  }

  /** After this long an IN_PROGRESS check counts as abandoned (its process died) and may start over. */
  private get abandonedAfterMs(): number {
    return Math.max(60_000, 4 * this.dns.timeoutMs * Math.max(1, this.dns.servers?.length ?? 1));
  }

  async verify(caller: Caller, input: VerifyClientUriInput): Promise<Client> {
    const started = await runTransaction(this.dataSource, async (manager) => {
      const client = await this.clients.lockForChange(manager, caller, input.id);
      const current = client.clientUriVerification;
      if (!client.clientUri || !current) {
        throw new ValidationFailedError([{ path: 'id', message: 'the client has no clientUri to verify' }]);
      }
      if (current.status === ClientUriVerificationStatus.VERIFIED) return { client, attempt: null };
      if (current.status === ClientUriVerificationStatus.IN_PROGRESS && !this.abandoned(current)) {
        throw new ConflictError(`The client URI of ${client.id} is being verified right now; query the client for the result.`);
      }
      const now = new Date();
      const attempt: ClientUriVerification = {
        ...current,
        status: ClientUriVerificationStatus.IN_PROGRESS,
        recordName: challengeRecordName(client.clientUri),
        reason: null,
        checkedAt: now.toISOString(),
      };
      const changes = bumped(client, { clientUriVerification: attempt }, now);
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, {
        action: 'client.verify_uri_started',
        targetId: client.id,
        targetType: 'Client',
        changedFields: ['clientUriVerification'],
      });
      return { client: Object.assign(client, changes), attempt };
    });
    const { attempt } = started;
    if (!attempt) return started.client;

    const outcome = attempt.recordName
      ? judge(await lookupTxt(attempt.recordName, this.dns), attempt.recordName, attempt.txtRecord, this.dns.timeoutMs)
      : {
          status: ClientUriVerificationStatus.FAILED,
          reason: 'not verifiable: the host of clientUri is an IP address or a loopback name, which has no DNS zone to publish a TXT record in',
        };

    return runTransaction(this.dataSource, async (manager) => {
      const client = await this.clients.lockForChange(manager, caller, input.id);
      const current = client.clientUriVerification;
      const superseded =
        current?.status !== ClientUriVerificationStatus.IN_PROGRESS || current.txtRecord !== attempt.txtRecord || current.checkedAt !== attempt.checkedAt;
      if (superseded) return client;
      const now = new Date();
      const finished: ClientUriVerification = { ...attempt, ...outcome, checkedAt: now.toISOString() };
      const changes = bumped(client, { clientUriVerification: finished }, now);
      await updateClient(manager, client.id, changes);
      await this.audit.record(manager, caller, {
        action: `client.verify_uri_${outcome.status.toLowerCase()}`,
        targetId: client.id,
        targetType: 'Client',
        changedFields: ['clientUriVerification'],
      });
      return Object.assign(client, changes);
    });
  }

  private abandoned(verification: ClientUriVerification): boolean {
    const started = verification.checkedAt ? Date.parse(verification.checkedAt) : Number.NaN;
    return Number.isNaN(started) || Date.now() - started > this.abandonedAfterMs;
  }
}
