import { type Harness, type Result, codes, createHarness, fieldPaths } from './helpers/harness';
import { CREATE_CLIENT, type CreatedApp, createApp } from './helpers/operations';

let h: Harness;
/** Organization holding exactly the 25 applications the walks go through. */
let pagesToken: string;
let pageApps: CreatedApp['application'][];
const TOTAL = 25;

const pad = (n: number) => String(n).padStart(2, '0');

beforeAll(async () => {
  h = await createHarness();
  pagesToken = await h.token({ org: 'org-pages' });
  pageApps = [];
  for (let i = 0; i < TOTAL; i++) {
    // Name and identifier orders differ from each other and from creation order.
    const created = await createApp(h, { identifier: `id-${pad((i * 7) % TOTAL)}`, name: `Item ${pad((i * 11) % TOTAL)}` }, pagesToken);
    pageApps.push(created.application);
  }
});

afterAll(async () => {
  await h?.close();
});

interface Page {
  totalCount: number;
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

const APPLICATIONS = `
  query ($first: Int, $after: String, $filter: ApplicationFilter, $orderBy: ApplicationOrder) {
    applications(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

/** Follows `endCursor` until `hasNextPage` is false; returns every page. */
async function walk(token: string, first: number, extra: Record<string, unknown> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const result = await h.run(APPLICATIONS, { first, after, ...extra }, { token });
    expect(result.errors).toBeUndefined();
    const page = result.data!.applications as Page;
    pages.push(page);
    if (!page.pageInfo.hasNextPage) return pages;
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not terminate');
}

const idsOf = (pages: Page[]) => pages.flatMap((page) => page.edges.map((edge) => edge.node.id));
const byKey =
  <T>(key: (app: T) => string | number) =>
  (a: T, b: T) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
/** Sort by a column, then by id: the keyset order. */
function sorted(apps: CreatedApp['application'][], column: (app: CreatedApp['application']) => string | number): string[] {
  return [...apps].sort((a, b) => byKey(column)(a, b) || byKey((app: CreatedApp['application']) => app.id as string)(a, b)).map((app) => app.id);
}

describe('applications connection', () => {
  test('walking first: 7 visits every row exactly once, in creation order', async () => {
    const pages = await walk(pagesToken, 7);
    expect(pages.map((page) => page.edges.length)).toEqual([7, 7, 7, 4]);
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([true, true, true, false]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([false, true, true, true]);
    for (const page of pages) {
      expect(page.totalCount).toBe(TOTAL);
      expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
    }
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids).toEqual(sorted(pageApps, (app) => new Date(app.createdAt).getTime()));
  });

  test('first defaults to 20; first equal to the total has no next page; first: 0 returns no edges', async () => {
    const defaults = await h.run(APPLICATIONS, {}, { token: pagesToken });
    expect(defaults.data!.applications.edges).toHaveLength(20);
    expect(defaults.data!.applications.pageInfo.hasNextPage).toBe(true);

    const all = await h.run(APPLICATIONS, { first: TOTAL }, { token: pagesToken });
    expect(all.data!.applications.edges).toHaveLength(TOTAL);
    expect(all.data!.applications.pageInfo.hasNextPage).toBe(false);

    const none = await h.run(APPLICATIONS, { first: 0 }, { token: pagesToken });
    expect(none.errors).toBeUndefined();
    expect(none.data!.applications).toMatchObject({ edges: [], totalCount: TOTAL, pageInfo: { startCursor: null, endCursor: null } });
  });

  test('a cursor taken from the middle continues right after its row', async () => {
    const all = idsOf(await walk(pagesToken, 100));
    const first = await h.run(APPLICATIONS, { first: 10 }, { token: pagesToken });
    const cursor = first.data!.applications.edges[4].cursor;
    const rest = await h.run(APPLICATIONS, { first: 3, after: cursor }, { token: pagesToken });
    expect(rest.data!.applications.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual(all.slice(5, 8));
  });

  test.each([
    ['NAME', 'ASC', (app: CreatedApp['application']) => app.name as string],
    ['IDENTIFIER', 'ASC', (app: CreatedApp['application']) => app.identifier as string],
    ['CREATED_AT', 'ASC', (app: CreatedApp['application']) => new Date(app.createdAt).getTime()],
  ] as const)('orderBy %s %s walks in that order', async (field, direction, column) => {
    const pages = await walk(pagesToken, 6, { orderBy: { field, direction } });
    expect(idsOf(pages)).toEqual(sorted(pageApps, column));
  });

  test.each([
    ['NAME', (app: CreatedApp['application']) => app.name as string],
    ['IDENTIFIER', (app: CreatedApp['application']) => app.identifier as string],
    ['CREATED_AT', (app: CreatedApp['application']) => new Date(app.createdAt).getTime()],
  ] as const)('orderBy %s DESC walks in reverse order', async (field, column) => {
    const pages = await walk(pagesToken, 6, { orderBy: { field, direction: 'DESC' } });
    expect(idsOf(pages)).toEqual(sorted(pageApps, column).reverse());
  });

  test('equal sort values are split across pages without skipping or repeating rows', async () => {
    const token = await h.token({ org: 'org-ties' });
    const apps = [];
    for (let i = 0; i < 7; i++) apps.push((await createApp(h, { identifier: `tie-${i}`, name: 'Same Name' }, token)).application);
    for (const direction of ['ASC', 'DESC']) {
      const ids = idsOf(await walk(token, 2, { orderBy: { field: 'NAME', direction } }));
      const expected = apps.map((app) => app.id as string).sort();
      expect(ids).toEqual(direction === 'ASC' ? expected : expected.reverse());
    }
  });
});

describe('applications filters', () => {
  let token: string;
  const made: Record<string, string> = {};

  beforeAll(async () => {
    token = await h.token({ org: 'org-filters' });
    const specs: [string, Record<string, unknown>][] = [
      ['alphaName', { identifier: 'svc-1', name: 'Alpha Service' }],
      ['alphaIdentifier', { identifier: 'ALPHA-tools', name: 'Tools' }],
      ['percent', { identifier: 'svc-2', name: '100% Done' }],
      ['underscore', { identifier: 'svc-3', name: 'snake_case app' }],
      ['backslash', { identifier: 'svc-4', name: 'Back\\slash' }],
      ['euOne', { identifier: 'eu-1', name: 'Europe One', zoneId: 'eu' }],
      ['euTwo', { identifier: 'eu-2', name: 'Europe Two', zoneId: 'eu' }],
      ['platform', { identifier: 'plat-1', name: 'Platform Thing', ownerType: 'PLATFORM' }],
    ];
    for (const [key, input] of specs) made[key] = (await createApp(h, input, token)).application.id;
  });

  async function filtered(filter: Record<string, unknown>): Promise<string[]> {
    const result = await h.run(APPLICATIONS, { first: 100, filter }, { token });
    expect(result.errors).toBeUndefined();
    const page = result.data!.applications as Page;
    expect(page.totalCount).toBe(page.edges.length);
    return page.edges.map((edge) => edge.node.id).sort();
  }
  const ids = (...keys: string[]) => keys.map((key) => made[key]).sort();

  test('by zoneId', async () => {
    expect(await filtered({ zoneId: 'eu' })).toEqual(ids('euOne', 'euTwo'));
    expect(await filtered({ zoneId: 'default' })).toEqual(ids('alphaName', 'alphaIdentifier', 'percent', 'underscore', 'backslash', 'platform'));
    expect(await filtered({ zoneId: 'nowhere' })).toEqual([]);
  });

  test('by ownerType', async () => {
    expect(await filtered({ ownerType: 'PLATFORM' })).toEqual(ids('platform'));
    expect(await filtered({ ownerType: 'CUSTOMER' })).toHaveLength(7);
    expect(await filtered({ ownerType: 'CUSTOMER', zoneId: 'eu' })).toEqual(ids('euOne', 'euTwo'));
  });

  test('search is case-insensitive over name, identifier and slug', async () => {
    expect(await filtered({ search: 'aLpHa' })).toEqual(ids('alphaName', 'alphaIdentifier'));
    expect(await filtered({ search: 'europe-t' })).toEqual(ids('euTwo')); // the slug
    expect(await filtered({ search: 'EU-1' })).toEqual(ids('euOne')); // the identifier
  });

  test('search treats %, _ and \\ literally', async () => {
    expect(await filtered({ search: '%' })).toEqual(ids('percent'));
    expect(await filtered({ search: '0% d' })).toEqual(ids('percent'));
    expect(await filtered({ search: '_' })).toEqual(ids('underscore'));
    expect(await filtered({ search: '\\' })).toEqual(ids('backslash'));
    expect(await filtered({ search: 'k\\s' })).toEqual(ids('backslash'));
  });

  test('filters combine with pagination', async () => {
    const pages = await walk(token, 1, { filter: { zoneId: 'eu' } });
    expect(pages.map((page) => page.totalCount)).toEqual([2, 2]);
    expect(idsOf(pages).sort()).toEqual(ids('euOne', 'euTwo'));
  });
});

describe('page argument validation', () => {
  test.each([101, -1, 1000])('first: %d → BAD_USER_INPUT at first', async (first) => {
    const result = await h.run(APPLICATIONS, { first }, { token: pagesToken });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['first']);
  });

  test('first: 100 is allowed', async () => {
    const result = await h.run(APPLICATIONS, { first: 100 }, { token: pagesToken });
    expect(result.errors).toBeUndefined();
    expect(result.data!.applications.edges).toHaveLength(TOTAL);
  });

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['garbage', 'garbage'],
    ['not base64 JSON', '!!!###'],
    ['JSON that is not a cursor', encode({ a: 1 })],
    ['a cursor with the wrong arity', encode(['x'])],
    ['a cursor whose sort value is not a timestamp', encode(['not-a-date', 'app_x'])],
  ])('after: %s → BAD_USER_INPUT at after', async (_title, after) => {
    const result = await h.run(APPLICATIONS, { first: 5, after }, { token: pagesToken });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['after']);
  });

  test('clients(first: 101) → BAD_USER_INPUT at first', async () => {
    const result = await h.run(`{ clients(first: 101) { totalCount } }`, {}, { token: pagesToken });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['first']);
  });
});

describe('Application.clients connection', () => {
  test('lists the application’s clients, default first, and honours first/after', async () => {
    const token = await h.token({ org: 'org-clients' });
    const created = await createApp(h, { identifier: 'with-clients', name: 'With Clients' }, token);
    const other = await createApp(h, { identifier: 'other', name: 'Other' }, token);
    const clientIds = [created.defaultClient.id as string];
    for (let i = 0; i < 4; i++) {
      const result = await h.run(CREATE_CLIENT, { input: { applicationId: created.application.id, name: `Client ${i}` } }, { token });
      expect(result.errors).toBeUndefined();
      clientIds.push(result.data!.createClient.client.id);
    }

    const query = `query ($id: ID!, $first: Int, $after: String) {
      application(id: $id) { clients(first: $first, after: $after) {
        totalCount edges { cursor node { id isDefault } } pageInfo { hasNextPage hasPreviousPage endCursor }
      } }
    }`;
    const seen: string[] = [];
    const hasNext: boolean[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const result: Result = await h.run(query, { id: created.application.id, first: 2, after }, { token });
      expect(result.errors).toBeUndefined();
      const connection: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
        result.data!.application.clients;
      expect(connection.totalCount).toBe(5);
      seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
      hasNext.push(connection.pageInfo.hasNextPage);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(hasNext).toEqual([true, true, false]);
    expect(new Set(seen).size).toBe(5);
    expect(seen[0]).toBe(created.defaultClient.id);
    expect([...seen].sort()).toEqual([...clientIds].sort());
    expect(seen).not.toContain(other.defaultClient.id);

    const tooMany = await h.run(query, { id: created.application.id, first: 101 }, { token });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(tooMany)).toEqual(['first']);
    const badCursor = await h.run(query, { id: created.application.id, first: 2, after: 'garbage' }, { token });
    expect(codes(badCursor)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(badCursor)).toEqual(['after']);
  });
});
