import { type Harness, codes, createHarness } from './helpers/harness';

/** Issue 12 items 11 and 12: what production tells a caller about the schema. */

let prod: Harness;
let dev: Harness;
let prodUrl: string;

beforeAll(async () => {
  [prod, dev] = await Promise.all([createHarness({ isProduction: true }), createHarness()]);
  prodUrl = await prod.listen();
});

afterAll(async () => {
  await Promise.all([prod?.close(), dev?.close()]);
});

const SDL = `{ _service { sdl } }`;

describe('_service { sdl } in production (introspection off)', () => {
  test('without a token: UNAUTHENTICATED, no schema', async () => {
    const result = await prod.run(SDL, {}, { token: null });
    expect(codes(result)).toEqual(['UNAUTHENTICATED']);
    expect(result.data?._service?.sdl ?? null).toBeNull();
    expect(JSON.stringify(result)).not.toContain('type Application');
  });

  test('over HTTP too', async () => {
    const headers = { 'content-type': 'application/json' };
    const response = await fetch(`${prodUrl}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: SDL }) });
    const text = await response.text();
    expect(JSON.parse(text).errors.map((error: { extensions: { code: string } }) => error.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(text).not.toContain('type Application');
  });

  test('with any valid token (a gateway or rover sends one): the SDL', async () => {
    const result = await prod.run(SDL, {}, { token: await prod.token({ scopes: [] }) });
    expect(result.errors).toBeUndefined();
    expect(result.data!._service.sdl).toContain('type Application');
  });

  test('development (introspection on) serves it without a token, as it serves introspection', async () => {
    const result = await dev.run(SDL, {}, { token: null });
    expect(result.data!._service.sdl).toContain('type Application');
  });
});

describe('no suggestion in production, whatever raised the error', () => {
  const ORDERED = `query ($order: ApplicationOrder) { applications(orderBy: $order) { totalCount } }`;

  /** Production's answer must not suggest; development's (the control) does, so the probe really asks for one. */
  async function expectNoSuggestion(query: string, variables: Record<string, unknown>, hidden: string) {
    const suggested = await dev.run(query, variables);
    expect(suggested.errors![0].message).toMatch(/Did you mean/);
    expect(suggested.errors![0].message).toContain(hidden);
    const result = await prod.run(query, variables);
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors!) {
      expect(error.message).not.toMatch(/Did you mean/);
      expect(error.message).not.toContain(hidden);
    }
  }

  test('an enum value in a literal', async () => {
    await expectNoSuggestion(`{ applications(orderBy: { field: NAME, direction: ACS }) { totalCount } }`, {}, '"ASC"');
    await expectNoSuggestion(`{ applications(orderBy: { field: IDENTIFER }) { totalCount } }`, {}, '"IDENTIFIER"');
  });

  test('an enum value in variables', async () => {
    await expectNoSuggestion(ORDERED, { order: { field: 'NAME', direction: 'ACS' } }, '"ASC"');
    await expectNoSuggestion(ORDERED, { order: { field: 'IDENTIFER' } }, '"IDENTIFIER"');
  });

  test('an input field in variables', async () => {
    await expectNoSuggestion(ORDERED, { order: { field: 'NAME', directio: 'ASC' } }, '"direction"');
  });

  test('fields, arguments and inline fragments', async () => {
    await expectNoSuggestion(`{ applicationz { totalCount } }`, {}, 'applications');
    await expectNoSuggestion(`{ applications(frist: 1) { totalCount } }`, {}, '"first"');
    await expectNoSuggestion(`{ node(id: "app_x") { name } }`, {}, '"Application"');
  });
});
