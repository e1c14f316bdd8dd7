import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { codes, createHarness, type Harness } from './helpers/harness';
import { startUsageSubgraph, USAGE_TYPE_DEFS } from './helpers/usage-subgraph';

/**
 * Clavis composed with a second subgraph and served behind a real @apollo/gateway, with
 * queries crossing the boundary both ways and the caller's token forwarded to Clavis.
 */
interface GatewayContext {
  authorization?: string;
}

let h: Harness;
let usage: { url: string; stop: () => Promise<void> };
let gateway: ApolloServer<GatewayContext>;
const ids: { apps: string[]; clients: string[] } = { apps: [], clients: [] };
const clavisSdl = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');

beforeAll(async () => {
  h = await createHarness();
  for (const name of ['Alpha', 'Beta', 'Gamma']) {
    const created = await h.run(`mutation($i: CreateApplicationInput!) { createApplication(input: $i) { application { id } defaultClient { id } } }`, {
      i: { identifier: name.toLowerCase(), name },
    });
    ids.apps.push(created.data!.createApplication.application.id);
    ids.clients.push(created.data!.createApplication.defaultClient.id);
  }
  const clavisUrl = `${await h.listen()}/graphql`;
  usage = await startUsageSubgraph(ids.apps.map((applicationId, i) => ({ applicationId, requests: (i + 1) * 100, lastClientId: ids.clients[i] })));

  const composed = composeServices([
    { name: 'clavis', typeDefs: parse(clavisSdl), url: clavisUrl },
    { name: 'usage', typeDefs: USAGE_TYPE_DEFS, url: usage.url },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gateway = new ApolloServer<GatewayContext>({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource<GatewayContext>({
          url,
          // The gateway forwards the caller's token; Clavis decides what it may see.
          willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
            if (context.authorization) request.http?.headers.set('authorization', context.authorization);
          },
        }),
    }),
  });
  await gateway.start();
});

afterAll(async () => {
  await gateway?.stop();
  await usage?.stop();
  await h.close();
});

async function viaGateway(query: string, token: string | null) {
  const response = await gateway.executeOperation({ query }, { contextValue: { authorization: token ? `Bearer ${token}` : undefined } });
  if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
  return response.body.singleResult as { data?: any; errors?: any[] };
}

describe('composition', () => {
  const composed = () =>
    composeServices([
      { name: 'clavis', typeDefs: parse(clavisSdl) },
      { name: 'usage', typeDefs: USAGE_TYPE_DEFS },
    ]);

  test('Clavis composes with another subgraph without errors', () => {
    const result = composed();
    expect(result.errors).toBeUndefined();
  });

  test.each([
    ['Application', 'id'],
    ['Client', 'id'],
    ['Client', 'clientId'],
    ['Provider', 'id'],
    ['TokenCredential', 'id'],
    ['PasswordCredential', 'id'],
    ['PublicKeyCredential', 'id'],
    ['UrlCredential', 'id'],
    ['PublicCredential', 'id'],
  ])('%s is an entity of Clavis keyed by %s', (typeName, key) => {
    const supergraph = composed().supergraphSdl!;
    const definition = new RegExp(`type ${typeName}[^{]*@join__type\\(graph: CLAVIS, key: "${key}"\\)`);
    expect(supergraph).toMatch(definition);
  });
});

describe('through the gateway', () => {
  test('a Clavis query reaches into the usage subgraph and back into Clavis', async () => {
    const result = await viaGateway(`{ applications { edges { node { id name usage { requests lastClient { id clientId isDefault } } } } } }`, await h.token());
    expect(result.errors).toBeUndefined();
    const nodes = result.data.applications.edges.map((edge: any) => edge.node);
    expect(nodes.map((node: any) => node.name)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(nodes.map((node: any) => node.usage.requests)).toEqual([100, 200, 300]);
    // lastClient is a reference the usage subgraph holds; its fields come from Clavis.
    expect(nodes.map((node: any) => node.usage.lastClient.id)).toEqual(ids.clients);
    expect(nodes.every((node: any) => node.usage.lastClient.isDefault === true && node.usage.lastClient.clientId)).toBe(true);
  });

  test('a usage query resolves Clavis applications by reference (_entities)', async () => {
    const result = await viaGateway(`{ busiestApplications { id name defaultClient { id } } }`, await h.token());
    expect(result.errors).toBeUndefined();
    expect(result.data.busiestApplications.map((app: any) => app.name)).toEqual(['Gamma', 'Beta', 'Alpha']);
    expect(result.data.busiestApplications.map((app: any) => app.defaultClient.id)).toEqual([...ids.clients].reverse());
  });

  test('a caller of another organization gets nothing through the gateway', async () => {
    const other = await h.token({ org: 'org-b' });
    const listed = await viaGateway(`{ applications { totalCount edges { node { id usage { requests } } } } }`, other);
    expect(listed.errors).toBeUndefined();
    expect(listed.data.applications).toEqual({ totalCount: 0, edges: [] });
    // References to org-a's applications resolve to null for org-b.
    const referenced = await viaGateway(`{ busiestApplications { id name } }`, other);
    expect(referenced.data.busiestApplications.every((app: any) => app === null || app.name === null)).toBe(true);
  });

  test('without a token Clavis answers UNAUTHENTICATED through the gateway', async () => {
    const result = await viaGateway(`{ applications { totalCount } }`, null);
    expect(codes(result)).toContain('UNAUTHENTICATED');
  });
});
