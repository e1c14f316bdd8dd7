import { type DocumentNode, type GraphQLSchema, Kind, type OperationDefinitionNode, execute, parse } from 'graphql';
import { buildClavisSchema } from '../src/app/schema';
import { compiledExecutionGateway } from '../src/graphql/compiled-executor';
import { type Harness, createHarness } from './helpers/harness';
import { createApp } from './helpers/operations';

/**
 * Compiled execution (graphql-jit behind Apollo's executor seam) answers exactly what graphql-js
 * would: the same data, and the same errors — message, locations, path and extensions.
 */
let h: Harness;
let schema: GraphQLSchema;
let applicationId: string;

beforeAll(async () => {
  h = await createHarness();
  schema = await buildClavisSchema({ services: h.services });
  const created = await createApp(h, { identifier: 'jit-app', name: 'JIT App' });
  applicationId = created.application.id;
  const credential = await h.run(
    `mutation($i: CreateCredentialInput!) { createCredential(input: $i) { credential { ... on ApplicationCredential { id } } } }`,
    {
      i: { applicationId, public: {} },
    },
  );
  expect(credential.errors).toBeUndefined();
});

afterAll(async () => {
  await h?.close();
});

async function bothWays(query: string, variables: Record<string, unknown> = {}, scopes?: string[]) {
  const document: DocumentNode = parse(query);
  const operation = document.definitions.find((definition) => definition.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const token = await h.token(scopes ? { scopes } : {});
  const { executor } = await compiledExecutionGateway(schema).load({ apollo: {} });
  const request = async () => ({
    document,
    operation,
    source: query,
    context: await h.server.contextFor(`Bearer ${token}`),
    request: { query, variables },
  });
  const compiled = await executor!((await request()) as unknown as Parameters<NonNullable<typeof executor>>[0]);
  const interpreted = await execute({ schema, document, contextValue: (await request()).context, variableValues: variables });
  return { compiled: JSON.parse(JSON.stringify(compiled)) as unknown, interpreted: JSON.parse(JSON.stringify(interpreted)) as unknown };
}

test.each([
  [
    'nested reads through loaders',
    `{ applications { totalCount edges { node { id identifier defaultClient { clientId }
      credentials { edges { node { __typename ... on PublicCredential { id } } } } } } } }`,
  ],
  ['node(id) on the interface, with a fragment per type', `query($id: ID!) { node(id: $id) { __typename ... on Application { name } } }`],
])('%s: the same answer as graphql-js', async (_name, query) => {
  const { compiled, interpreted } = await bothWays(query, { id: applicationId });
  expect(compiled).toEqual(interpreted);
});

test.each([
  ['an error with its location and path', `query($id: ID!) { application(id: $id) { id credentials { totalCount } } }`],
  [
    'errors on several lines keep their line and column',
    `query($id: ID!) {\n  a: application(id: $id) { id }\n\n    b: application(id: $id) {\n      name\n` +
      `        credentials { totalCount }\n    }\n  c: credentials { totalCount }\n}`,
  ],
])('%s (a field needing a scope the token lacks): the same errors as graphql-js', async (_name, query) => {
  const { compiled, interpreted } = await bothWays(query, { id: applicationId }, ['applications:read']);
  expect((compiled as { errors?: unknown[] }).errors?.length).toBeGreaterThan(0);
  expect(compiled).toEqual(interpreted);
});

test('variables that do not coerce: graphql-js errors, word for word', async () => {
  const { compiled, interpreted } = await bothWays(`query($id: ID!) { node(id: $id) { id } }`, { id: { not: 'an id' } });
  expect(compiled).toEqual(interpreted);
  expect((compiled as { errors: unknown[] }).errors).toHaveLength(1);
});
