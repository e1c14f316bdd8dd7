import { type Harness, type Result, codes, createHarness, fieldPaths } from './helpers/harness';
import { CREATE_CLIENT, createApp } from './helpers/operations';

/**
 * Backward paging (`last` / `before`) over every connection: a walk from the end visits every
 * row exactly once, edges come in the list's order, and the page info tells where more rows lie.
 */
let h: Harness;
let token: string;
const TOTAL = 23;
const pad = (n: number) => String(n).padStart(2, '0');

beforeAll(async () => {
  h = await createHarness();
  token = await h.token({ org: 'org-backward' });
  for (let i = 0; i < TOTAL; i++) {
    // Names repeat (ties broken by id); identifier order differs from creation order.
    await createApp(h, { identifier: `bk-${pad((i * 5) % TOTAL)}`, name: `Item ${i % 7}` }, token);
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
  query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: ApplicationOrder) {
    applications(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
`;

const idsOf = (page: Page) => page.edges.map((edge) => edge.node.id);

async function applications(variables: Record<string, unknown>): Promise<Page> {
  const result = await h.run(APPLICATIONS, variables, { token });
  expect(result.errors).toBeUndefined();
  return result.data!.applications as Page;
}

/** Pages backward with `last` from the end, following `startCursor` until `hasPreviousPage` is false. */
async function walkBackward(last: number, extra: Record<string, unknown> = {}): Promise<Page[]> {
  const pages: Page[] = [];
  let before: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await applications({ last, before, ...extra });
    pages.push(page);
    if (!page.pageInfo.hasPreviousPage) return pages;
    before = page.pageInfo.startCursor;
  }
  throw new Error('backward pagination did not terminate');
}

describe('applications(last, before)', () => {
  const orders = ['CREATED_AT', 'UPDATED_AT', 'NAME', 'IDENTIFIER'].flatMap((field) => [
    [field, 'ASC'],
    [field, 'DESC'],
  ]);
  test.each(orders)('orderBy %s %s: walking last: 5 backward visits every row once, in reverse', async (field, direction) => {
    const orderBy = { field, direction };
    const forward = idsOf(await applications({ first: 100, orderBy }));
    expect(new Set(forward).size).toBe(TOTAL);

    const pages = await walkBackward(5, { orderBy });
    expect(pages.map((page) => page.edges.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.map((page) => page.pageInfo.hasPreviousPage)).toEqual([true, true, true, true, false]);
    // The first backward page is the end of the list; every later one has the previous page after it.
    expect(pages.map((page) => page.pageInfo.hasNextPage)).toEqual([false, true, true, true, true]);
    const reversed = pages.flatMap((page) => [...idsOf(page)].reverse());
    expect(reversed).toEqual([...forward].reverse());
    // Edges keep the list's order within a page: each page is a slice of the forward order.
    let end = TOTAL;
    for (const page of pages) {
      expect(idsOf(page)).toEqual(forward.slice(end - page.edges.length, end));
      end -= page.edges.length;
      expect(page.totalCount).toBe(TOTAL);
      expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
    }
  });

  test('directions meet: before a forward page’s startCursor is the page before it; after a backward page’s endCursor the page after', async () => {
    const forward = idsOf(await applications({ first: 100 }));
    const second = await applications({ first: 5, after: (await applications({ first: 5 })).pageInfo.endCursor });
    expect(idsOf(second)).toEqual(forward.slice(5, 10));
    const back = await applications({ last: 5, before: second.pageInfo.startCursor });
    expect(idsOf(back)).toEqual(forward.slice(0, 5));
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    const again = await applications({ first: 5, after: back.pageInfo.endCursor });
    expect(idsOf(again)).toEqual(forward.slice(5, 10));
  });

  test('last defaults to the default page size when only before is given; last: 0 returns no edges; last: 100 is allowed', async () => {
    const forward = idsOf(await applications({ first: 100 }));
    const end = await applications({ first: 1, after: null, orderBy: { field: 'CREATED_AT', direction: 'DESC' } });
    // `before` the newest row, no `last`: the 20 rows before it.
    const defaulted = await applications({ before: end.edges[0].cursor });
    expect(idsOf(defaulted)).toEqual(forward.slice(TOTAL - 21, TOTAL - 1));
    expect(defaulted.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    const none = await applications({ last: 0 });
    expect(none).toMatchObject({ edges: [], totalCount: TOTAL, pageInfo: { startCursor: null, endCursor: null, hasPreviousPage: true } });
    const all = await applications({ last: 100 });
    expect(idsOf(all)).toEqual(forward);
    expect(all.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: false });
  });
});

describe('argument checks', () => {
  test.each([
    ['first with last', { first: 2, last: 2 }, ['last']],
    ['after with before', { after: 'x', before: 'y' }, ['before']],
    ['first with before', { first: 2, before: 'y' }, ['before']],
    ['last with after', { last: 2, after: 'x' }, ['last']],
    ['all four', { first: 2, after: 'x', last: 2, before: 'y' }, ['last', 'before']],
  ])('%s → BAD_USER_INPUT naming the backward argument', async (_title, variables, paths) => {
    h.sql.reset();
    const result = await h.run(APPLICATIONS, variables, { token });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(paths);
    expect(h.sql.statements.filter((sql) => /FROM "applications"/.test(sql))).toEqual([]);
  });

  test('explicit nulls do not count as given', async () => {
    const result = await h.run(APPLICATIONS, { first: null, after: null, last: 2, before: null }, { token });
    expect(result.errors).toBeUndefined();
    expect(result.data!.applications.edges).toHaveLength(2);
  });

  test.each([101, -1, 1000])('last: %d → BAD_USER_INPUT at last', async (last) => {
    const result = await h.run(APPLICATIONS, { last }, { token });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['last']);
  });

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['garbage', 'garbage'],
    ['a cursor whose sort value is not a timestamp', encode(['not-a-date', 'app_x'])],
  ])('before: %s → BAD_USER_INPUT at before', async (_title, before) => {
    const result = await h.run(APPLICATIONS, { last: 5, before }, { token });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['before']);
  });

  test('nested connections check the same way, and a bad shape fails only its own field', async () => {
    const id = (await applications({ first: 1 })).edges[0].node.id;
    // Both fields are loaded in one batch; the refused shape must not fail the other one.
    const result = await h.run(
      `query($id: ID!) {
      bad: application(id: $id) { clients(first: 1, last: 1) { totalCount } }
      good: application(id: $id) { clients(last: 1) { edges { node { id } } } }
    }`,
      { id },
      { token },
    );
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(result)).toEqual(['last']);
    expect(result.errors![0].path).toEqual(['bad', 'clients']);
    expect(result.data!.good.clients.edges).toHaveLength(1);
    const tooMany = await h.run(`{ applications(first: 1) { edges { node { clients(last: 101) { totalCount } } } } }`, {}, { token });
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    expect(fieldPaths(tooMany)).toEqual(['last']);
  });
});

describe('Application.clients(last, before) across several parents', () => {
  test('walking backward under three applications at once visits every client once, in reverse', async () => {
    const org = await h.token({ org: 'org-backward-clients' });
    const apps: string[] = [];
    for (const [i, extra] of [4, 0, 6].entries()) {
      const created = await createApp(h, { identifier: `parent-${i}`, name: `Parent ${i}` }, org);
      apps.push(created.application.id);
      for (let j = 0; j < extra; j++) {
        const result = await h.run(CREATE_CLIENT, { input: { applicationId: created.application.id, name: `Client ${i}-${j}` } }, { token: org });
        expect(result.errors).toBeUndefined();
      }
    }
    type Clients = { edges: { node: { id: string } }[]; pageInfo: Page['pageInfo'] };
    const forwardResult = await h.run(
      `{ applications(first: 10) { edges { node { id clients(first: 100) { edges { node { id } } } } } } }`,
      {},
      { token: org },
    );
    const forward = new Map<string, string[]>(
      forwardResult.data!.applications.edges.map((e: { node: { id: string; clients: Clients } }) => [e.node.id, e.node.clients.edges.map((c) => c.node.id)]),
    );
    expect(apps.map((id) => forward.get(id)!.length)).toEqual([5, 1, 7]);

    // The first step pages every parent in one query; later steps ask each parent (aliased) before its own cursor.
    const first: Result = await h.run(
      '{ applications(first: 10) { edges { node { id clients(last: 2) { edges { node { id } } ' +
        'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } } }',
      {},
      { token: org },
    );
    expect(first.errors).toBeUndefined();
    const seen = new Map<string, string[][]>();
    const pending = new Map<string, string>();
    for (const { node } of first.data!.applications.edges as { node: { id: string; clients: Clients } }[]) {
      seen.set(node.id, [node.clients.edges.map((e) => e.node.id)]);
      expect(node.clients.pageInfo.hasNextPage).toBe(false);
      if (node.clients.pageInfo.hasPreviousPage) pending.set(node.id, node.clients.pageInfo.startCursor!);
    }
    for (let guard = 0; pending.size > 0; guard++) {
      expect(guard).toBeLessThan(10);
      const parents = [...pending];
      const query = `{ ${parents
        .map(
          ([id, before], i) =>
            `p${i}: application(id: "${id}") { clients(last: 2, before: "${before}") { edges { node { id } } ` +
            'pageInfo { hasNextPage hasPreviousPage startCursor } } }',
        )
        .join(' ')} }`;
      const step: Result = await h.run(query, {}, { token: org });
      expect(step.errors).toBeUndefined();
      parents.forEach(([id], i) => {
        const clients = step.data![`p${i}`].clients as Clients;
        expect(clients.pageInfo.hasNextPage).toBe(true);
        seen.get(id)!.push(clients.edges.map((e) => e.node.id));
        if (clients.pageInfo.hasPreviousPage) pending.set(id, clients.pageInfo.startCursor!);
        else pending.delete(id);
      });
    }
    for (const id of apps) {
      const pages = seen.get(id)!;
      expect(pages.flatMap((page) => [...page].reverse())).toEqual([...forward.get(id)!].reverse());
      // Each page in list order: prepending the pages backward rebuilds the forward list.
      expect([...pages].reverse().flat()).toEqual(forward.get(id));
    }
    expect(seen.get(apps[2])!.map((page) => page.length)).toEqual([2, 2, 2, 1]);
  });
});

describe('every connection pages backward', () => {
  test('each connection field of the schema takes first, after, last and before', async () => {
    const result = await h.run(`{ __schema { types { name fields { name type { name kind ofType { name } } args { name } } } } }`);
    const missing: string[] = [];
    let connections = 0;
    for (const type of result.data!.__schema.types as { name: string; fields: { name: string; type: any; args: { name: string }[] }[] | null }[]) {
      for (const field of type.fields ?? []) {
        const returned: string | undefined = field.type.name ?? field.type.ofType?.name;
        if (!returned?.endsWith('Connection')) continue;
        connections++;
        const args = field.args.map((arg) => arg.name);
        for (const name of ['first', 'after', 'last', 'before']) if (!args.includes(name)) missing.push(`${type.name}.${field.name}(${name})`);
      }
    }
    // applications, clients, credentials, providers, auditEvents; Application.clients/credentials/auditEvents; Client.auditEvents.
    expect(connections).toBeGreaterThanOrEqual(9);
    expect(missing).toEqual([]);
  });

  test('last: 2 is the end of first: 100 for the top-level and nested lists that hold rows here', async () => {
    const ids = (connection: { edges: { node: { id: string } }[] }) => connection.edges.map((edge) => edge.node.id);
    const lists = (size: string) => `{
      clients(${size}) { edges { node { id } } }
      auditEvents(${size}) { edges { node { id } } }
      applications(first: 3) { edges { node {
        auditEvents(${size}) { edges { node { id } } }
        defaultClient { auditEvents(${size}) { edges { node { id } } } }
      } } }
    }`;
    const forward = await h.run(lists('first: 100'), {}, { token });
    const backward = await h.run(lists('last: 2'), {}, { token });
    expect(forward.errors).toBeUndefined();
    expect(backward.errors).toBeUndefined();
    expect(ids(forward.data!.clients).length).toBeGreaterThan(2);
    expect(ids(backward.data!.clients)).toEqual(ids(forward.data!.clients).slice(-2));
    expect(ids(forward.data!.auditEvents).length).toBeGreaterThan(2);
    expect(ids(backward.data!.auditEvents)).toEqual(ids(forward.data!.auditEvents).slice(-2));
    forward.data!.applications.edges.forEach(({ node }: any, i: number) => {
      const back = backward.data!.applications.edges[i].node;
      expect(ids(node.auditEvents).length).toBeGreaterThan(0);
      expect(ids(back.auditEvents)).toEqual(ids(node.auditEvents).slice(-2));
      expect(ids(back.defaultClient.auditEvents)).toEqual(ids(node.defaultClient.auditEvents).slice(-2));
    });
  });
});
