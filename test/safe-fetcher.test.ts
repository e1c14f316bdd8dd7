import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SafeFetchError, SafeFetcher, type SafeFetcherOptions } from '../src/net/safe-fetcher';
import { Semaphore } from '../src/net/semaphore';
import { isLoopback, specialUseRange } from '../src/net/special-use-addresses';
import { makeServerCertificate } from './helpers/test-ca';

/*
 * Every request in this file goes to 127.0.0.1 (or to `localhost`, which resolves to loopback): a test CA and a server
 * certificate for 127.0.0.1 / localhost are made with openssl, and the test servers below play the remote sites.
 * Public addresses appear only in the classification table, which never connects anywhere.
 */

describe('special-use address classification (no connection made)', () => {
  const refused: Array<[address: string, range: string, embeddedIn?: string]> = [
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'this-network'],
    ['0.1.2.3', 'this-network'],
    ['169.254.169.254', 'cloud-metadata'],
    ['169.254.170.2', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['168.63.129.16', 'cloud-metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'shared-address-space'],
    ['100.127.255.255', 'shared-address-space'],
    ['192.0.0.8', 'ietf-protocol-assignments'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['192.88.99.1', '6to4-relay-anycast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation'],
    ['2001:2::1', 'ietf-protocol-assignments'],
    ['100::1', 'discard-only'],
    ['5f00::1', 'segment-routing-sids'],
    ['64:ff9b:1::a00:1', 'nat64-local-use'],
    ['4000::1', 'reserved'],
    ['::ffff:0:a00:1', 'reserved'], // IPv4-translated (RFC 6145), not IPv4-mapped
    ['::ffff:10.0.0.1', 'private', 'IPv4-mapped'],
    ['::ffff:7f00:1', 'loopback', 'IPv4-mapped'],
    ['::ffff:169.254.169.254', 'cloud-metadata', 'IPv4-mapped'],
    ['::a00:1', 'private', 'IPv4-compatible'], // ::10.0.0.1
    ['64:ff9b::a9fe:a9fe', 'cloud-metadata', 'NAT64'],
    ['64:ff9b::127.0.0.1', 'loopback', 'NAT64'],
    ['64:ff9b::c0a8:101', 'private', 'NAT64'],
    ['2002:a00:1::1', 'private', '6to4'],
    ['2002:a9fe:a9fe::1', 'cloud-metadata', '6to4'],
    ['2002:6440:1::', 'shared-address-space', '6to4'],
    // RFC 4380's example: server 65.54.227.120, client 192.0.2.45 (stored bit-inverted).
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation', 'Teredo'],
    // A Teredo server on a private address.
    ['2001:0:a00:1:8000:63bf:a247:27dd', 'private', 'Teredo'],
  ];

  const rows = refused.map(([address, range, embeddedIn]) => ({ address, range, embeddedIn, label: embeddedIn ? `${range} (via ${embeddedIn})` : range }));
  it.each(rows)('$address is $label', ({ address, range, embeddedIn }) => {
    const match = specialUseRange(address);
    expect(match?.name).toBe(range);
    expect(match?.embeddedIn).toBe(embeddedIn);
  });

  const allowed = [
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1', // just past 172.16.0.0/12
    '100.128.0.1', // just past 100.64.0.0/10
    '198.20.0.1', // just past 198.18.0.0/15
    '169.255.0.1',
    '2606:4700::1',
    '2001:4860:4860::8888',
    '::ffff:93.184.216.34',
    '64:ff9b::5db8:d822', // NAT64 of 93.184.216.34
    '2002:5db8:d822::1', // 6to4 of 93.184.216.34
    '2001:0:4136:e378:8000:63bf:a247:27dd', // Teredo: server 65.54.227.120, client 93.184.216.34
  ];

  it.each(allowed)('%s is an ordinary public address', (address) => {
    expect(specialUseRange(address)).toBeNull();
  });

  it.each(['example.com', '0x7f.1', '127.1', '2130706433', ''])('%j is not an address and is refused as unparseable', (text) => {
    expect(specialUseRange(text)?.name).toBe('unparseable');
  });

  it('counts only plain loopback as loopback for the development allowance', () => {
    expect(isLoopback(specialUseRange('127.0.0.1'))).toBe(true);
    expect(isLoopback(specialUseRange('127.9.9.9'))).toBe(true);
    expect(isLoopback(specialUseRange('::1'))).toBe(true);
    expect(isLoopback(specialUseRange('::ffff:127.0.0.1'))).toBe(false);
    expect(isLoopback(specialUseRange('10.0.0.1'))).toBe(false);
    expect(isLoopback(specialUseRange('93.184.216.34'))).toBe(false);
  });
});

describe('the semaphore bounding fetches in flight', () => {
  it('hands slots out in arrival order, and a waiter whose deadline passed leaves the queue without taking a slot', async () => {
    const slots = new Semaphore(1);
    const never = new AbortController().signal;
    expect(await slots.acquire(never)).toBe(true);
    const timedOut = new AbortController();
    const first = slots.acquire(timedOut.signal);
    const second = slots.acquire(never);
    expect(slots.waitingCount).toBe(2);
    timedOut.abort();
    expect(await first).toBe(false);
    expect(slots.waitingCount).toBe(1);
    slots.release(); // the slot goes to the second waiter, not to the one that gave up
    expect(await second).toBe(true);
    expect(slots.activeCount).toBe(1);
    slots.release();
    expect(slots.activeCount).toBe(0);
    expect(await slots.acquire(timedOut.signal)).toBe(false);
  });
});

/** A response the server keeps open until the test lets it go. */
interface Held {
  path: string;
  res: ServerResponse;
}

describe('SafeFetcher against local test servers', () => {
  let dir: string;
  let ca: string;
  let server: HttpsServer;
  let port: number;
  let plainServer: HttpServer;
  let plainPort: number;
  let silentServer: TcpServer;
  let silentPort: number;
  const silentSockets = new Set<Socket>();
  /** TCP connections each server accepted, and the requests it received, since the last reset. */
  let connections = 0;
  let plainConnections = 0;
  let requests: string[] = [];
  let held: Held[] = [];
  let heldWaiters: Array<{ count: number; resolve: () => void }> = [];
  let maxHeldAtOnce = 0;
  /** Resolves when the socket of an oversized response has been closed by the client. */
  let oversizeSocketClosed: Promise<void>;
  const fetchers: SafeFetcher[] = [];

  function makeFetcher(options: SafeFetcherOptions = {}): SafeFetcher {
    const fetcher = new SafeFetcher({ ca, allowLoopback: true, ...options });
    fetchers.push(fetcher);
    return fetcher;
  }

  function url(path: string, host = '127.0.0.1'): string {
    return `https://${host}:${port}${path}`;
  }

  function untilHeld(count: number): Promise<void> {
    if (held.length >= count) return Promise.resolve();
    return new Promise((resolve) => heldWaiters.push({ count, resolve }));
  }

  function release(response: Held): void {
    response.res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    response.res.end(JSON.stringify({ path: response.path }));
  }

  function hold(path: string, res: ServerResponse): void {
    held.push({ path, res });
    maxHeldAtOnce = Math.max(maxHeldAtOnce, held.filter((h) => !h.res.writableEnded).length);
    for (const waiter of heldWaiters.filter((w) => held.length >= w.count)) waiter.resolve();
    heldWaiters = heldWaiters.filter((w) => held.length < w.count);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    requests.push(path);
    const route = path.split('?')[0];
    switch (route) {
      case '/doc':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=600' });
        res.end(JSON.stringify({ client_id: url('/doc') }));
        return;
      case '/no-store':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end('{}');
        return;
      case '/exactly-cap':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`"${'a'.repeat(5 * 1024 - 2)}"`);
        return;
      case '/redirect':
        res.writeHead(302, { location: url('/doc') });
        res.end();
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not here');
        return;
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html></html>');
        return;
      case '/big-announced':
        // Announces 1 MB, sends a few bytes and then nothing: only the Content-Length check can end this early.
        oversizeSocketClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024) });
        res.write('{"a":');
        return;
      case '/big-chunked':
        // No Content-Length: 6 KB in chunks, then the response stays open — only counting bytes can end this early.
        oversizeSocketClosed = new Promise((resolve) => req.socket.once('close', () => resolve()));
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 6; i++) res.write('x'.repeat(1024));
        return;
      case '/slow':
      case '/held':
        hold(path, res);
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clavis-safe-fetch-'));
    const certificate = makeServerCertificate(dir, 'DNS:localhost,IP:127.0.0.1,IP:::1');
    ca = certificate.ca;

    server = createHttpsServer({ key: certificate.key, cert: certificate.cert }, handle);
    server.on('connection', () => connections++);
    plainServer = createHttpServer(handle);
    plainServer.on('connection', () => plainConnections++);
    // Accepts TCP and never speaks: a TLS handshake with it cannot finish.
    silentServer = createTcpServer((socket) => {
      silentSockets.add(socket);
      socket.on('close', () => silentSockets.delete(socket));
    });
    await Promise.all([
      new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => plainServer.listen(0, '127.0.0.1', resolve)),
      new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve)),
    ]);
    port = (server.address() as AddressInfo).port;
    plainPort = (plainServer.address() as AddressInfo).port;
    silentPort = (silentServer.address() as AddressInfo).port;
  });

  beforeEach(() => {
    connections = 0;
    plainConnections = 0;
    requests = [];
    held = [];
    heldWaiters = [];
    maxHeldAtOnce = 0;
  });

  afterEach(async () => {
    for (const response of held) response.res.destroy();
    await Promise.all(fetchers.splice(0).map((fetcher) => fetcher.close()));
  });

  afterAll(async () => {
    for (const socket of silentSockets) socket.destroy();
    server.closeAllConnections();
    plainServer.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => server.close(resolve)),
      new Promise((resolve) => plainServer.close(resolve)),
      new Promise((resolve) => silentServer.close(resolve)),
    ]);
    rmSync(dir, { recursive: true, force: true });
  });

  async function failure(promise: Promise<unknown>): Promise<SafeFetchError> {
    const error = await promise.then(
      () => new Error('expected the fetch to fail'),
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(SafeFetchError);
    return error as SafeFetchError;
  }

  it('fetches a document over https with the test CA, exposing its media type and cache lifetime', async () => {
    const result = await makeFetcher({ acceptContentTypes: ['application/json'] }).fetch(url('/doc'));
    expect(result.status).toBe(200);
    expect(result.contentType).toBe('application/json');
    expect(JSON.parse(result.body.toString('utf8'))).toEqual({ client_id: url('/doc') });
    expect(result.fetchedAt).toBeInstanceOf(Date);
    expect(result.storable).toBe(true);
    expect(result.maxAgeSeconds).toBe(600);
    expect(requests).toEqual(['/doc']);
  });

  it('fetches by host name (localhost) when loopback is allowed, with certificate checks on', async () => {
    const result = await makeFetcher().fetch(url('/doc', 'localhost'));
    expect(result.status).toBe(200);
  });

  it('clamps the cache lifetime to the bounds the caller gives', async () => {
    const fetcher = makeFetcher();
    expect((await fetcher.fetch(url('/doc'), { minSeconds: 0, maxSeconds: 300 })).maxAgeSeconds).toBe(300);
    const noStore = await fetcher.fetch(url('/no-store'), { minSeconds: 60, maxSeconds: 300 });
    expect(noStore.storable).toBe(false);
    expect(noStore.maxAgeSeconds).toBe(60);
  });

  it('refuses a certificate it cannot verify (no test CA given)', async () => {
    const fetcher = new SafeFetcher({ allowLoopback: true });
    fetchers.push(fetcher);
    const error = await failure(fetcher.fetch(url('/doc')));
    expect(error.code).toBe('CONNECT_FAILED');
    expect(requests).toEqual([]);
  });

  it('does not follow a redirect and names its status', async () => {
    const error = await failure(makeFetcher().fetch(url('/redirect')));
    expect(error.code).toBe('REDIRECT');
    expect(error.status).toBe(302);
    expect(error.message).toContain('302');
    expect(requests).toEqual(['/redirect']);
  });

  it('reports a non-2xx status as HTTP_STATUS', async () => {
    const error = await failure(makeFetcher().fetch(url('/missing')));
    expect(error.code).toBe('HTTP_STATUS');
    expect(error.status).toBe(404);
  });

  it('refuses a media type outside the accepted ones', async () => {
    const error = await failure(makeFetcher({ acceptContentTypes: ['application/json'] }).fetch(url('/html')));
    expect(error.code).toBe('CONTENT_TYPE');
  });

  it('accepts a body of exactly the size cap (5 KB by default)', async () => {
    const result = await makeFetcher().fetch(url('/exactly-cap'));
    expect(result.body.length).toBe(5 * 1024);
  });

  it('refuses a body whose Content-Length announces more than the cap, without waiting for it, and drops the connection', async () => {
    const error = await failure(makeFetcher({ totalTimeoutMs: 20_000 }).fetch(url('/big-announced')));
    expect(error.code).toBe('TOO_LARGE');
    await oversizeSocketClosed;
  });

  it('stops reading a body without Content-Length as soon as it passes the cap, and drops the connection', async () => {
    const error = await failure(makeFetcher({ totalTimeoutMs: 20_000 }).fetch(url('/big-chunked')));
    expect(error.code).toBe('TOO_LARGE');
    await oversizeSocketClosed;
  });

  it('gives up on a server that never answers (total timeout)', async () => {
    const error = await failure(makeFetcher({ totalTimeoutMs: 300 }).fetch(url('/slow')));
    expect(error.code).toBe('TIMEOUT');
    expect(requests).toEqual(['/slow']);
  });

  it('gives up on a TLS handshake that never completes (connect timeout)', async () => {
    const error = await failure(makeFetcher({ connectTimeoutMs: 300, totalTimeoutMs: 20_000 }).fetch(`https://127.0.0.1:${silentPort}/doc`));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('no connection');
  });

  it('refuses http:// without the development allowance, before connecting', async () => {
    const error = await failure(makeFetcher({ allowLoopback: false }).fetch(`http://127.0.0.1:${plainPort}/doc`));
    expect(error.code).toBe('NOT_HTTPS');
    expect(plainConnections).toBe(0);
  });

  it('allows http:// to loopback only under the development allowance', async () => {
    const result = await makeFetcher().fetch(`http://127.0.0.1:${plainPort}/doc`);
    expect(result.status).toBe(200);
    expect(plainConnections).toBe(1);
  });

  it.each(['not a url', '/relative/path', 'ftp://127.0.0.1/doc', 'file:///etc/passwd'])('refuses %j', async (target) => {
    const error = await failure(makeFetcher().fetch(target));
    expect(['INVALID_URL', 'NOT_HTTPS']).toContain(error.code);
  });

  it('reports a host that does not resolve as DNS', async () => {
    const resolveHost = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example.test'), { code: 'ENOTFOUND' });
    };
    const error = await failure(makeFetcher({ resolveHost }).fetch(url('/doc', 'nowhere.example.test')));
    expect(error.code).toBe('DNS');
    expect(error.message).toBe('nowhere.example.test could not be resolved.');
    expect(connections).toBe(0);
  });

  it('refuses a URL with userinfo', async () => {
    const error = await failure(makeFetcher().fetch(`https://user:secret@127.0.0.1:${port}/doc`));
    expect(error.code).toBe('INVALID_URL');
    expect(connections).toBe(0);
  });

  describe('special-use addresses, development allowance off', () => {
    it('refuses a loopback IP literal before any connection is made', async () => {
      const error = await failure(makeFetcher({ allowLoopback: false }).fetch(url('/doc')));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(error.message).not.toContain('loopback'); // the caller learns the host, not what it resolved to
      expect(connections).toBe(0);
      expect(requests).toEqual([]);
    });

    it('refuses a host name that resolves to loopback (localhost): the resolved addresses are checked', async () => {
      const error = await failure(makeFetcher({ allowLoopback: false }).fetch(url('/doc', 'localhost')));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(connections).toBe(0);
    });

    it('refuses any name a resolver maps to a special-use address', async () => {
      const resolved: string[] = [];
      const resolveHost = async (hostname: string) => {
        resolved.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      };
      const error = await failure(makeFetcher({ allowLoopback: false, resolveHost }).fetch(url('/doc', 'metadata.example.test')));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(resolved).toEqual(['metadata.example.test']);
      expect(connections).toBe(0);
    });
  });

  describe('special-use addresses other than loopback, development allowance on', () => {
    it('refuses an IPv4-mapped loopback literal (only plain loopback is allowed)', async () => {
      const error = await failure(makeFetcher().fetch(`https://[::ffff:127.0.0.1]:${port}/doc`));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(connections).toBe(0);
    });

    it('refuses 0.0.0.0 (which Linux would route to this host)', async () => {
      const error = await failure(makeFetcher().fetch(`https://0.0.0.0:${port}/doc`));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(connections).toBe(0);
    });

    it('refuses a host when any of its addresses is special-use, even if the first would be allowed', async () => {
      const resolveHost = async () => [
        { address: '127.0.0.1', family: 4 },
        { address: '169.254.169.254', family: 4 },
      ];
      const error = await failure(makeFetcher({ resolveHost }).fetch(url('/doc', 'mixed.example.test')));
      expect(error.code).toBe('FORBIDDEN_ADDRESS');
      expect(connections).toBe(0);
    });

    it('checks the very answer the socket connects with: one resolution per connection, so a rebinding answer is never used', async () => {
      // A rebinding DNS server: the first answer passes, every later one points at 0.0.0.0 (this host, special-use).
      // A fetcher that validated a name with one lookup and let the socket resolve again would connect with the second.
      const answers: string[] = [];
      const resolveHost = async () => {
        const address = answers.length === 0 ? '127.0.0.1' : '0.0.0.0';
        answers.push(address);
        return [{ address, family: 4 }];
      };
      const fetcher = makeFetcher({ resolveHost });
      const result = await fetcher.fetch(url('/doc', 'localhost'));
      expect(result.status).toBe(200);
      expect(answers).toEqual(['127.0.0.1']);
      expect(connections).toBe(1);
    });
  });

  it('sends one request per URL however many callers ask at once, and shares its outcome', async () => {
    const fetcher = makeFetcher();
    const callers = Array.from({ length: 10 }, () => fetcher.fetch(url('/held?doc=1')));
    await untilHeld(1);
    expect(fetcher.stats.urls).toBe(1);
    release(held[0]);
    const results = await Promise.all(callers);
    expect(requests).toEqual(['/held?doc=1']);
    expect(new Set(results.map((r) => r.body.toString()))).toEqual(new Set([JSON.stringify({ path: '/held?doc=1' })]));
    // Each caller gets its own copy: one caller cannot change what another sees.
    results[0].body.fill(0);
    expect(results[1].body.toString()).toBe(JSON.stringify({ path: '/held?doc=1' }));
    // Once settled, the next call is a new request (caching is the caller's business).
    const later = fetcher.fetch(url('/held?doc=1'));
    await untilHeld(2);
    release(held[1]);
    await later;
    expect(requests).toEqual(['/held?doc=1', '/held?doc=1']);
  });

  it('shares a failure among the callers of one URL', async () => {
    const fetcher = makeFetcher();
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => fetcher.fetch(url('/redirect'))));
    expect(outcomes.map((o) => o.status === 'rejected' && (o.reason as SafeFetchError).code)).toEqual(Array(5).fill('REDIRECT'));
    expect(requests).toEqual(['/redirect']);
  });

  it('bounds the fetches in flight; the others wait for a slot', async () => {
    const fetcher = makeFetcher({ maxConcurrent: 2 });
    const all = Array.from({ length: 5 }, (_, i) => fetcher.fetch(url(`/held?n=${i}`)));
    await untilHeld(2);
    expect(fetcher.stats).toEqual({ active: 2, waiting: 3, urls: 5 });
    // Release what arrives, one at a time, until all five were served.
    for (let served = 0; served < 5; served++) {
      await untilHeld(served + 1);
      release(held[served]);
    }
    await Promise.all(all);
    expect(maxHeldAtOnce).toBe(2);
    expect(requests).toHaveLength(5);
    expect(fetcher.stats).toEqual({ active: 0, waiting: 0, urls: 0 });
  });

  it('times out a fetch still waiting for a slot, and leaves nothing behind', async () => {
    const fetcher = makeFetcher({ maxConcurrent: 1, totalTimeoutMs: 300 });
    const firstOutcome = failure(fetcher.fetch(url('/held?n=1')));
    await untilHeld(1);
    const error = await failure(fetcher.fetch(url('/held?n=2')));
    expect(error.code).toBe('TIMEOUT');
    expect((await firstOutcome).code).toBe('TIMEOUT');
    expect(fetcher.stats).toEqual({ active: 0, waiting: 0, urls: 0 });
  });
});
