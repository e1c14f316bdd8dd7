import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { signToken } from '../src/auth/tokens';
import { type Harness, TEST_JWT_SECRET, createHarness } from './helpers/harness';
import { createApp } from './helpers/operations';

/**
 * The development explorer works with no internet: a real browser (Debian's `chromium`, which
 * .ci/run installs) opens /graphql with every non-loopback destination cut off, and runs a
 * query through GraphiQL's own editor and button.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
// CI must run the browser test: there a missing Chromium fails it instead of skipping it.
const MUST_RUN = HAVE_CHROMIUM || process.env.CI === 'true';
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
    await page.locator('.graphiql-editor-tool .graphiql-editor').getByText(/Bearer ey/).waitFor();

    const editor = page.locator('.graphiql-query-editor .CodeMirror');
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText: typed as one input, so the editor's automatic closing brackets do not double any.
    await page.keyboard.insertText('{ applications { totalCount edges { node { name } } } }');
    await page.getByRole('button', { name: /execute query/i }).click();

    const response = page.locator('.graphiql-response');
    await response.getByText('Offline Explorer App').waitFor();
    expect(await response.innerText()).toMatch(/"totalCount": 1/);

    expect(problems).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((target) => !staysLocal(target))).toEqual([]);
  }, 60_000);
});
