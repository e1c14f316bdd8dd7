import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import CachePolicy from 'http-cache-semantics';
import { Agent, buildConnector, request } from 'undici';
import { Semaphore } from './semaphore';
import { isLoopback, specialUseRange } from './special-use-addresses';

/**
 * Fetches documents from URLs that callers supply (client metadata documents, jwks_uri) without becoming a
 * server-side request forgery tool: https only, no redirects, every address a socket is about to connect to checked
 * against the special-use ranges (in the socket's own DNS lookup, so a second, rebound DNS answer can never be used),
 * a small size cap, timeouts, a bound on concurrent fetches and one request per URL in flight.
 */

export type SafeFetchErrorCode =
  'INVALID_URL' | 'NOT_HTTPS' | 'FORBIDDEN_ADDRESS' | 'DNS' | 'CONNECT_FAILED' | 'TIMEOUT' | 'REDIRECT' | 'HTTP_STATUS' | 'TOO_LARGE' | 'CONTENT_TYPE';

/**
 * A failed fetch. `message` is safe to hand to whoever supplied the URL: it names the host and HTTP status at most,
 * never resolved addresses or ranges (that would map the internal network for them); `cause` keeps the detail for logs.
 */
export class SafeFetchError extends Error {
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'SafeFetchError';
    this.status = options.status;
  }

  /** The HTTP status, for `REDIRECT` and `HTTP_STATUS`. */
  readonly status: number | undefined;
}

export interface SafeFetcherOptions {
  /** Development only: let http and https reach loopback (127.0.0.0/8, ::1). Never set in production. */
  allowLoopback?: boolean;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
  /** Time allowed for DNS, TCP and TLS together. */
  connectTimeoutMs?: number;
  /** Time allowed for the whole fetch, waiting for a free slot included. */
  totalTimeoutMs?: number;
  /** Fetches in flight at once (distinct URLs); further ones wait for a slot. */
  maxConcurrent?: number;
  /** Media types accepted (compared without parameters); empty accepts any. Also sent as `Accept`. */
  acceptContentTypes?: string[];
  /** Trusted CA certificates (PEM); default: Node's bundled roots. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Resolves a host name to all its addresses; default `dns.lookup` (getaddrinfo, /etc/hosts included). */
  resolveHost?: (hostname: string) => Promise<LookupAddress[]>;
  userAgent?: string;
}

export interface CacheBounds {
  minSeconds: number;
  maxSeconds: number;
}

export interface SafeFetchResult {
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The media type without parameters, lower-cased (`application/json`); null without a Content-Type header. */
  contentType: string | null;
  fetchedAt: Date;
  /** Whether HTTP caching rules allow a shared cache to store the response at all (no `no-store`, no `private`). */
  storable: boolean;
  /** Freshness lifetime from the response's cache headers (RFC 9111, as a shared cache), clamped to the bounds asked for. */
  maxAgeSeconds: number;
}

export const SAFE_FETCH_DEFAULTS = {
  allowLoopback: false,
  maxBytes: 5 * 1024,
  connectTimeoutMs: 3_000,
  totalTimeoutMs: 5_000,
  maxConcurrent: 16,
  cacheBounds: { minSeconds: 0, maxSeconds: 86_400 } satisfies CacheBounds,
  userAgent: 'Clavis',
};

/** What one request produced, shared by every caller that asked for the same URL meanwhile. */
interface Fetched extends Omit<SafeFetchResult, 'maxAgeSeconds'> {
  freshSeconds: number;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function mediaType(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  return value ? value.split(';')[0].trim().toLowerCase() : null;
}

function clamp(seconds: number, bounds: CacheBounds): number {
  return Math.min(Math.max(seconds, bounds.minSeconds), bounds.maxSeconds);
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_FAIL', 'ENODATA']);

export class SafeFetcher {
  private readonly settings: Required<Omit<SafeFetcherOptions, 'ca'>>;
  private readonly agent: Agent;
  private readonly slots: Semaphore;
  private readonly inFlight = new Map<string, Promise<Fetched>>();

  constructor(options: SafeFetcherOptions = {}) {
    this.settings = {
      allowLoopback: options.allowLoopback ?? SAFE_FETCH_DEFAULTS.allowLoopback,
      maxBytes: options.maxBytes ?? SAFE_FETCH_DEFAULTS.maxBytes,
      connectTimeoutMs: options.connectTimeoutMs ?? SAFE_FETCH_DEFAULTS.connectTimeoutMs,
      totalTimeoutMs: options.totalTimeoutMs ?? SAFE_FETCH_DEFAULTS.totalTimeoutMs,
      maxConcurrent: options.maxConcurrent ?? SAFE_FETCH_DEFAULTS.maxConcurrent,
      acceptContentTypes: (options.acceptContentTypes ?? []).map((type) => type.toLowerCase()),
      resolveHost: options.resolveHost ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true })),
      userAgent: options.userAgent ?? SAFE_FETCH_DEFAULTS.userAgent,
    };
    this.slots = new Semaphore(this.settings.maxConcurrent);
    const connectors = {
      'https:': this.connectorFor('https:', options.ca),
      'http:': this.connectorFor('http:', options.ca),
    };
    this.agent = new Agent({
      // undici 7 follows no redirects unless a redirect interceptor is composed in; none is.
      connect: (connectOptions, callback) => {
        const protocol = connectOptions.protocol === 'http:' ? 'http:' : 'https:';
        // net.connect skips the lookup function for IP literals, so a literal host is checked here instead.
        if (isIP(connectOptions.hostname)) {
          const refusal = this.refusal(connectOptions.hostname, protocol, connectOptions.hostname);
          if (refusal) return callback(refusal, null);
        }
        connectors[protocol](connectOptions, callback);
      },
      headersTimeout: this.settings.totalTimeoutMs,
      bodyTimeout: this.settings.totalTimeoutMs,
      // A reused connection goes to an address checked when it was opened; idle ones close soon, so a host's new DNS
      // answer is looked up (and checked) again before long.
      keepAliveTimeout: 4_000,
    });
  }

  /** Fetches in progress and waiting for a slot (for metrics and tests). */
  get stats(): { active: number; waiting: number; urls: number } {
    return { active: this.slots.activeCount, waiting: this.slots.waitingCount, urls: this.inFlight.size };
  }

  /**
   * GETs `url`. Callers asking for a URL already being fetched share that request's outcome (result or error); a
   * later call starts a new request, since caching is the caller's business.
   */
  async fetch(url: string, cacheBounds: CacheBounds = SAFE_FETCH_DEFAULTS.cacheBounds): Promise<SafeFetchResult> {
    const target = this.parseTarget(url);
    let shared = this.inFlight.get(target.href);
    if (!shared) {
      shared = this.fetchOnce(target).finally(() => this.inFlight.delete(target.href));
      this.inFlight.set(target.href, shared);
    }
    const { freshSeconds, ...fetched } = await shared;
    return { ...fetched, headers: { ...fetched.headers }, body: Buffer.from(fetched.body), maxAgeSeconds: clamp(freshSeconds, cacheBounds) };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private parseTarget(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new SafeFetchError('INVALID_URL', 'The URL is not a valid absolute URL.');
    }
    const loopbackHttp = target.protocol === 'http:' && this.settings.allowLoopback;
    if (target.protocol !== 'https:' && !loopbackHttp) throw new SafeFetchError('NOT_HTTPS', `${target.protocol}// URLs are not fetched; use https.`);
    if (target.username || target.password) throw new SafeFetchError('INVALID_URL', 'URLs with credentials (userinfo) are not fetched.');
    return target;
  }

  /** Why a connection to `address` must not be made, or null when it may. */
  private refusal(address: string, protocol: 'http:' | 'https:', host: string): SafeFetchError | null {
    const match = specialUseRange(address);
    if (match && !(this.settings.allowLoopback && isLoopback(match))) {
      const cause = new Error(`${address} is in ${match.name} ${match.cidr}${match.embeddedIn ? ` (embedded in ${match.embeddedIn})` : ''}`);
      return new SafeFetchError('FORBIDDEN_ADDRESS', `${host} resolves to a special-use address; it is not fetched.`, { cause });
    }
    if (protocol === 'http:' && !isLoopback(match)) return new SafeFetchError('NOT_HTTPS', 'http:// URLs are not fetched; use https.');
    return null;
  }

  private connectorFor(protocol: 'http:' | 'https:', ca: SafeFetcherOptions['ca']): buildConnector.connector {
    // The socket resolves its host through this function and connects only to what it returns: every address is
    // checked here, at connect time, and a host with any special-use address is refused as a whole.
    const lookup = (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
      this.resolveChecked(hostname, protocol).then(
        (addresses) => {
          const usable = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
          if (usable.length === 0) callback(new SafeFetchError('DNS', `${hostname} has no usable address.`), []);
          else if (options.all) callback(null, usable);
          else callback(null, usable[0].address, usable[0].family);
        },
        (err: NodeJS.ErrnoException) => callback(err, []),
      );
    };
    return buildConnector({ timeout: this.settings.connectTimeoutMs, ca, lookup: lookup as never });
  }

  private async resolveChecked(hostname: string, protocol: 'http:' | 'https:'): Promise<LookupAddress[]> {
    let addresses: LookupAddress[];
    try {
      addresses = await this.settings.resolveHost(hostname);
    } catch (err) {
      throw new SafeFetchError('DNS', `${hostname} could not be resolved.`, { cause: err });
    }
    for (const { address } of addresses) {
      const refusal = this.refusal(address, protocol, hostname);
      if (refusal) throw refusal;
    }
    return addresses;
  }

  private async fetchOnce(target: URL): Promise<Fetched> {
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.settings.totalTimeoutMs);
    try {
      if (!(await this.slots.acquire(abort.signal))) throw this.timeout(target);
      try {
        return await this.exchange(target, abort.signal);
      } catch (err) {
        if (timedOut) throw this.timeout(target);
        throw this.translate(err, target);
      } finally {
        this.slots.release();
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async exchange(target: URL, signal: AbortSignal): Promise<Fetched> {
    const requestHeaders: Record<string, string> = { 'user-agent': this.settings.userAgent, 'accept-encoding': 'identity' };
    if (this.settings.acceptContentTypes.length > 0) requestHeaders.accept = this.settings.acceptContentTypes.join(', ');
    const response = await request(target, { method: 'GET', headers: requestHeaders, dispatcher: this.agent, signal });
    const { statusCode: status, headers, body } = response;
    const host = target.host;
    try {
      if (status >= 300 && status < 400) {
        throw new SafeFetchError('REDIRECT', `${host} answered with a redirect (${status}); redirects are not followed.`, { status });
      }
      if (status < 200 || status >= 300) throw new SafeFetchError('HTTP_STATUS', `${host} answered with HTTP status ${status}.`, { status });
      const contentType = mediaType(headers['content-type']);
      const accepted = this.settings.acceptContentTypes;
      if (accepted.length > 0 && !(contentType && accepted.includes(contentType))) {
        throw new SafeFetchError('CONTENT_TYPE', `${host} answered with content type ${contentType ?? '(none)'}; expected ${accepted.join(' or ')}.`);
      }
      const announced = Number(headers['content-length']);
      if (Number.isFinite(announced) && announced > this.settings.maxBytes) throw this.tooLarge(host);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        size += (chunk as Buffer).length;
        // Stop reading at once: the rest of an oversized body is never downloaded.
        if (size > this.settings.maxBytes) throw this.tooLarge(host);
        chunks.push(chunk as Buffer);
      }
      const policy = new CachePolicy({ url: target.pathname + target.search, method: 'GET', headers: requestHeaders }, { status, headers }, { shared: true });
      const storable = policy.storable();
      return {
        url: target.href,
        status,
        headers,
        body: Buffer.concat(chunks),
        contentType,
        fetchedAt: new Date(),
        storable,
        freshSeconds: storable ? Math.round(policy.timeToLive() / 1000) : 0,
      };
    } finally {
      // Unread or partly read: destroying the body closes the connection rather than downloading the rest. The abort
      // error that destroying emits has no reader left to care.
      if (!body.readableEnded) body.once('error', () => undefined).destroy();
    }
  }

  private tooLarge(host: string): SafeFetchError {
    return new SafeFetchError('TOO_LARGE', `${host} answered with more than ${this.settings.maxBytes} bytes.`);
  }

  private timeout(target: URL): SafeFetchError {
    return new SafeFetchError('TIMEOUT', `${target.host} did not answer within ${this.settings.totalTimeoutMs} ms.`);
  }

  /** Maps undici / socket / TLS failures onto the stable codes, keeping the original as `cause`. */
  private translate(err: unknown, target: URL): SafeFetchError {
    if (err instanceof SafeFetchError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
    const host = target.host;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new SafeFetchError('TIMEOUT', `${host}: no connection within ${this.settings.connectTimeoutMs} ms.`, { cause: err });
    }
    if (TIMEOUT_CODES.has(code)) return new SafeFetchError('TIMEOUT', `${host} did not answer in time.`, { cause: err });
    if (code === 'UND_ERR_HEADERS_OVERFLOW') return new SafeFetchError('TOO_LARGE', `${host} answered with oversized headers.`, { cause: err });
    if (DNS_CODES.has(code)) return new SafeFetchError('DNS', `${host} could not be resolved.`, { cause: err });
    if (/CERT|TLS|SSL|ERR_OSSL/.test(code)) return new SafeFetchError('CONNECT_FAILED', `${host}: TLS handshake failed.`, { cause: err });
    return new SafeFetchError('CONNECT_FAILED', `${host}: the connection failed.`, { cause: err });
  }
}
