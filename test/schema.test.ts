import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, print, visit } from 'graphql';
import { printClavisSchema } from '../src/app/schema';

let printed: string;
let committed: string;
/** The printed schema without descriptions: a signature with described arguments spans lines when printed with them. */
let shape: string;

beforeAll(async () => {
  printed = await printClavisSchema();
  committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
  shape = print(visit(parse(printed), { enter: (node) => ('description' in node && node.description ? { ...node, description: undefined } : undefined) }));
});

/** The block of one type definition, e.g. `type Application implements Node @key(...) { ... }`. */
function definition(sdl: string, keyword: string, name: string): string {
  const match = new RegExp(`^${keyword} ${name}\\b[^{]*\\{[^}]*\\}`, 'm').exec(sdl);
  if (!match) throw new Error(`${keyword} ${name} is not in the schema`);
  return match[0];
}

test('schema.graphql is up to date with the code', () => {
  if (printed !== committed) {
    // Point at the first difference rather than dumping two 500-line documents.
    const a = printed.split('\n');
    const b = committed.split('\n');
    const line = a.findIndex((text, i) => text !== b[i]);
    throw new Error(
      `schema.graphql is out of date: run \`npm run schema\` and commit the result.\n` +
        `First difference at line ${line + 1}:\n  code:      ${JSON.stringify(a[line])}\n  committed: ${JSON.stringify(b[line])}`,
    );
  }
  expect(printed).toBe(committed);
});

describe('the schema carries the contract of API.md', () => {
  test('Application is a federation entity keyed by id and a Node', () => {
    const application = definition(shape, 'type', 'Application');
    expect(application).toMatch(/^type Application implements Node\s+@key\(fields: "id"\)/);
    for (const field of [
      'id: ID!',
      'organizationId: ID!',
      'zoneId: ID!',
      'identifier: String!',
      'slug: String!',
      'name: String!',
      'description: String',
      'ownerType: OwnerType!',
      'metadata: EntityMetadata',
      'protocols: ApplicationProtocols',
      'dependencies: [String!]!',
      'dependenciesCount: Int!',
      'defaultClient: Client!',
      'version: Int!',
      'createdAt: DateTime!',
      'updatedAt: DateTime!',
    ]) {
      expect(application).toContain(`  ${field}\n`);
    }
    expect(application).toMatch(/clients\([^)]*first: Int[^)]*after: String[^)]*\): ClientConnection!/);
  });

  test('Client is a federation entity keyed by id and by clientId', () => {
    const client = definition(shape, 'type', 'Client');
    expect(client).toMatch(/^type Client implements Node\s+@key\(fields: "id"\)\s+@key\(fields: "clientId"\)/);
    for (const field of [
      'clientId: String!',
      'application: Application!',
      'isDefault: Boolean!',
      'clientType: ClientType!',
      'grantTypes: [GrantType!]!',
      'tokenEndpointAuthMethod: TokenEndpointAuthMethod!',
      'hasSecret: Boolean!',
      'hasRotatedSecret: Boolean!',
    ]) {
      expect(client).toContain(`  ${field}\n`);
    }
    // Secrets and their hashes are never fields.
    expect(client).not.toMatch(/secretHash|clientSecret/);
  });

  test('mutations take one input and return a payload', () => {
    const mutation = definition(shape, 'type', 'Mutation');
    for (const signature of [
      'createApplication(input: CreateApplicationInput!): CreateApplicationPayload!',
      'updateApplication(input: UpdateApplicationInput!): UpdateApplicationPayload!',
      'deleteApplication(input: DeleteApplicationInput!): DeleteApplicationPayload!',
      'createClient(input: CreateClientInput!): CreateClientPayload!',
      'updateClient(input: UpdateClientInput!): UpdateClientPayload!',
      'deleteClient(input: DeleteClientInput!): DeleteClientPayload!',
    ]) {
      expect(mutation).toContain(`  ${signature}\n`);
    }
    const payload = definition(shape, 'type', 'CreateApplicationPayload');
    for (const field of ['application: Application!', 'defaultClient: Client!', 'clientSecret: String']) expect(payload).toContain(field);
  });

  test('queries, connections and filters', () => {
    const query = definition(shape, 'type', 'Query');
    for (const field of [
      'node(id: ID!): Node',
      'application(id: ID!): Application',
      'client(id: ID!): Client',
      'clientByClientId(clientId: String!): Client',
      '_entities(representations: [_Any!]!): [_Entity]!',
    ]) {
      expect(query).toContain(field);
    }
    expect(query).toMatch(/applications\([^)]*filter: ApplicationFilter[^)]*\): ApplicationConnection!/);
    expect(query).toMatch(/clients\([^)]*filter: ClientFilter[^)]*\): ClientConnection!/);
    expect(definition(shape, 'input', 'ApplicationFilter')).toMatch(/zoneId: ID[\s\S]*ownerType: OwnerType[\s\S]*search: String/);
    const pageInfo = definition(shape, 'type', 'PageInfo');
    for (const field of ['hasNextPage: Boolean!', 'hasPreviousPage: Boolean!', 'startCursor: String', 'endCursor: String']) expect(pageInfo).toContain(field);
    const connection = definition(shape, 'type', 'ApplicationConnection');
    for (const field of ['edges: [ApplicationEdge!]!', 'pageInfo: PageInfo!', 'totalCount: Int!']) expect(connection).toContain(field);
  });

  test('inputs use the contract names', () => {
    const create = definition(shape, 'input', 'CreateApplicationInput');
    for (const field of [
      'identifier: String!',
      'name: String!',
      'slug: String',
      'zoneId: ID',
      'ownerType: OwnerType',
      'defaultClient: ClientSettingsInput',
      'idempotencyKey: String',
      'dependencies: [String!]',
    ]) {
      expect(create).toContain(`  ${field}\n`);
    }
    const update = definition(shape, 'input', 'UpdateApplicationInput');
    expect(update).toContain('  id: ID!\n');
    expect(update).toContain('  expectedVersion: Int\n');
  });

  test('it is a federation 2 subgraph', () => {
    expect(printed).toContain('@link(url: "https://specs.apollo.dev/federation/v2.');
    expect(printed).toMatch(/union _Entity = [^\n]*\bApplication\b/);
    expect(printed).toMatch(/union _Entity = [^\n]*\bClient\b/);
  });
});
