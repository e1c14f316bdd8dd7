import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

/**
 * A small second subgraph for the federation tests: "usage" extends Clavis's Application
 * with a field of its own and points at Clavis's Client and Application by key.
 */
export const USAGE_TYPE_DEFS = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Application @key(fields: "id") {
    id: ID!
    usage: Usage!
  }

  type Client @key(fields: "id", resolvable: false) {
    id: ID!
  }

  type Usage {
    requests: Int!
    lastClient: Client
  }

  type Query {
    busiestApplications: [Application]!
  }
`);

export interface UsageRecord {
  applicationId: string;
  requests: number;
  lastClientId: string;
}

export async function startUsageSubgraph(records: UsageRecord[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const byApplication = new Map(records.map((record) => [record.applicationId, record]));
  const schema = buildSubgraphSchema({
    typeDefs: USAGE_TYPE_DEFS,
    resolvers: {
      Query: {
        busiestApplications: () => [...records].sort((a, b) => b.requests - a.requests).map((record) => ({ id: record.applicationId })),
      },
      Application: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        usage: (app: { id: string }) => {
          const record = byApplication.get(app.id);
          return { requests: record?.requests ?? 0, lastClient: record ? { id: record.lastClientId } : null };
        },
      },
    },
  });
  const server = new ApolloServer({ schema });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, stop: () => server.stop() };
}
