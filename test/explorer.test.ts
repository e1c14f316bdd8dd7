import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { signToken } from '../src/auth/tokens';
import { type Harness, TEST_JWT_SECRET, createHarness } from './helpers/harness';
import { createApp } from './helpers/operations';
import { type TestDatabase, buildApp, createDatabase, eventually, killAll, removeBuild, request, startClavis } from './helpers/process';

/**
 * The development explorer works with no internet: a real browser (Debian's `chromium`, which
 * .ci/run installs) opens /graphql with every non-loopback destination cut off, and runs a
 * query through GraphiQL's own editor and button.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// CI must run the browser test: there a missing Chromium fails it instead of skipping it.
const MUST_RUN = HAVE_CHROMIUM || /^(true|1)$/i.test(process.env.CI ?? '');
const browserDescribe = MUST_RUN ? describe : describe.skip;
if (!MUST_RUN) {
  process.stderr.write(`explorer.test.ts: browser tests SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Requests that do not leave the machine: loopback over HTTP(S), and URLs that are no request at all. */
function staysLocal(url: string): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'data:' || parsed.protocol === 'blob:' || parsed.protocol === 'about:') return true;
  return LOOPBACK_HOSTS.has(parsed.hostname) || parsed.hostname.startsWith('127.');
}

/** Headless Chromium with no route out: names resolve to nothing but loopback, and anything else would go to a closed proxy. */
async function launchOffline(): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`Chromium is missing at ${CHROMIUM}: .ci/run installs it with \`apt-get install -y chromium\``);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
      '--proxy-server=http://127.0.0.1:9',
    ],
  });
}

/** The same-origin script and stylesheet URLs a page loads. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)].map((match) => match[1]);
}

async function getPage(baseUrl: string, path = '/graphql') {
  const response = await fetch(`${baseUrl}${path}`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
  return { response, html: await response.text() };
}

describe('the development explorer over HTTP', () => {
  // Not a real token: hostile text, to prove it cannot break out of the HTML attribute it is put in.
  const HOSTILE_TOKEN = `eyJ.x"><script>alert('token')</script><img src=x onerror=alert(1)>&amp;`;
  let harness: Harness;
  let url: string;

  beforeAll(async () => {
    harness = await createHarness({ developmentToken: HOSTILE_TOKEN });
    url = await harness.listen();
  });

  afterAll(async () => {
    await harness?.close();
  });

  test('a browser gets GraphiQL at /graphql: no external host, the token escaped, a strict CSP, never cached', async () => {
    const { response, html } = await getPage(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|\*/);

    expect(html).toContain('id="graphiql"');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>|<img/);
    expect(html).toContain('data-authorization="Bearer eyJ.x&#34;&#62;&#60;script&#62;alert(&#39;token&#39;)&#60;/script&#62;');
    expect(html).toContain('&#38;amp;"');
    const assets = assetUrls(html);
    expect(assets.length).toBe(6);
    for (const asset of assets) expect(asset).toMatch(/^\/explorer\/assets\/[\w.-]+\.(js|css)$/);
  });

  test('the explorer assets come from node_modules with their content types, cached for a year', async () => {
    const { html } = await getPage(url);
    const names: string[] = [];
    for (const asset of assetUrls(html)) {
      const response = await fetch(`${url}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^(text|application)\/javascript/);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect((await response.text()).length).toBeGreaterThan(0);
      names.push(asset.replace(/^.*\//, ''));
    }
    expect(names).toEqual(
      expect.arrayContaining([
        `react-${versionOf('react')}.js`,
        `react-dom-${versionOf('react-dom')}.js`,
        `graphiql-${versionOf('graphiql')}.js`,
        `graphiql-${versionOf('graphiql')}.css`,
      ]),
    );
  });

  test('the same page is at /explorer; GraphQL clients asking for JSON still get GraphQL at /graphql', async () => {
    const explorer = await getPage(url, '/explorer');
    expect(explorer.response.status).toBe(200);
    expect(explorer.html).toContain('id="graphiql"');

    const query = await fetch(`${url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'application/json', 'apollo-require-preflight': 'true' },
    });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { __typename: 'Query' } });
  });

  test('GRAPHQL_EXPLORER=sandbox: Apollo Sandbox at /graphql, its telemetry as chosen; GraphiQL stays at /explorer', async () => {
    for (const telemetry of [false, true]) {
      const sandbox = await createHarness({ developmentToken: 'eyJ.sandbox.token', explorer: { kind: 'sandbox', telemetry } });
      try {
        const sandboxUrl = await sandbox.listen();
        const { response, html } = await getPage(sandboxUrl);
        expect(response.status).toBe(200);
        expect(html).toContain('embeddable-sandbox');
        expect(html).toContain(`"runTelemetry":${telemetry}`);
        expect(html).toContain('"Authorization":"Bearer eyJ.sandbox.token"');
        expect((await getPage(sandboxUrl, '/explorer')).html).toContain('id="graphiql"');
      } finally {
        await sandbox.close();
      }
    }
  });

  test('production serves no explorer and none of its assets', async () => {
    const prod = await createHarness({ isProduction: true });
    try {
      const prodUrl = await prod.listen();
      const { html } = await getPage(url);
      for (const path of ['/explorer', ...assetUrls(html)]) {
        expect((await fetch(`${prodUrl}${path}`)).status).toBe(404);
      }
      const landing = await getPage(prodUrl);
      expect(landing.html).not.toMatch(/graphiql|sandbox|<html/i);
    } finally {
      await prod.close();
    }
  });
});

describe('the explorer of the real process', () => {
  let buildDir: string;
  let db: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'clavis-explorer-'));

  beforeAll(async () => {
    [buildDir, db] = await Promise.all([buildApp(), createDatabase()]);
  }, 30_000);

  afterAll(async () => {
    await killAll();
    await db?.drop();
    removeBuild(buildDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('GRAPHQL_EXPLORER=sandbox reaches the server, and the start-up lines say that Sandbox needs internet and where GraphiQL is', async () => {
    const env = { NODE_ENV: 'development', PORT: '0', DATABASE_URL: db.url, DATA_DIR: dataDir, LOG_LEVEL: 'info', GRAPHQL_EXPLORER: 'sandbox' };
    const clavis = await startClavis(buildDir, env, { readyTimeoutMs: 40_000 });
    await eventually(() => clavis.stdout().includes('Development token'), 5000, 'the start-up lines');
    expect(clavis.stdout()).toContain(
      `Clavis: http://localhost:${clavis.port}/graphql (Apollo Sandbox there is already authorised but needs internet; ` +
        `GraphiQL at http://localhost:${clavis.port}/explorer does not)`,
    );
    const token = readFileSync(join(dataDir, 'dev-token'), 'utf8').trim();
    const sandbox = await request(`${clavis.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(sandbox.text).toContain('embeddable-sandbox');
    expect(sandbox.text).toContain('"runTelemetry":false');
    expect(sandbox.text).toContain(`"Authorization":"Bearer ${token}"`);
    const graphiql = await request(`${clavis.baseUrl}/explorer`, { headers: { accept: 'text/html' } });
    expect(graphiql.status).toBe(200);
    expect(graphiql.text).toContain(`data-authorization="Bearer ${token}"`);
  }, 60_000);
});

browserDescribe('the development explorer in a browser without internet', () => {
  let harness: Harness;
  let url: string;
  let browser: Browser;
  let context: BrowserContext;
  const requested: string[] = [];

  beforeAll(async () => {
    const developmentToken = await signToken(TEST_JWT_SECRET, { sub: 'developer', org: 'org-explorer' });
    harness = await createHarness({ developmentToken });
    url = await harness.listen();
    await createApp(harness, { identifier: 'offline-explorer', name: 'Offline Explorer App' }, await harness.token({ org: 'org-explorer' }));
    browser = await launchOffline();
    context = await browser.newContext();
    context.on('request', (request) => requested.push(request.url()));
    // The last word on leaving loopback: whatever the flags above miss never reaches the network.
    await context.route(
      (target) => !staysLocal(target.href),
      (route) => route.abort('internetdisconnected'),
    );
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await harness?.close();
  });

  test('GET /graphql shows GraphiQL, authorised with the development token, and runs a query typed into it', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${url}/graphql`);
    // The schema is loaded: the documentation explorer lists the root query type.
    await page.getByRole('button', { name: /show documentation explorer/i }).click();
    await page.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).waitFor();
    // The development token sits in the headers editor, ready to be sent.
    await page.getByText('Headers', { exact: true }).click();
    await page
      .locator('.graphiql-editor-tool .graphiql-editor')
      .getByText(/Bearer ey/)
      .waitFor();

    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    // It opens on Clavis's example query, not GraphiQL's generic one.
    await editor.getByText('# Clavis development explorer', { exact: false }).waitFor();
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText: typed as one input, so the editor's automatic closing brackets do not double any.
    await page.keyboard.insertText('{ applications { totalCount edges { node { name } } } }');
    await page.getByRole('button', { name: /execute query/i }).click();

    const response = page.locator('.graphiql-response');
    await response.getByText('Offline Explorer App').waitFor();
    expect(await response.innerText()).toMatch(/"totalCount": 1/);

    // GraphiQL's dialogs add inline styles: the page's Content-Security-Policy must let them (a refusal is a console error).
    await page.getByRole('button', { name: /open settings dialog/i }).click();
    await page.getByRole('dialog').getByText('Settings', { exact: true }).waitFor();
    await page.keyboard.press('Escape');

    expect(problems).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((target) => !staysLocal(target))).toEqual([]);
  }, 60_000);
});

/** The installed version of a package, as the explorer names its assets. */
function versionOf(name: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}
