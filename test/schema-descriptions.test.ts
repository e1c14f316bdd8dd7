import {
  buildSchema,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
} from 'graphql';
import { buildClavisSchema } from '../src/app/schema';

/**
 * Issue 16: the schema is the documentation people read in the explorer and in generated
 * client code, so every definition Clavis makes carries a description. Federation's own
 * definitions are Apollo's, not ours, and graphql-js's built-ins are described by graphql-js.
 */
const FEDERATION_TYPES = new Set(['_Any', '_Service', '_Entity']);
const FEDERATION_FIELDS = new Set(['Query._service', 'Query._entities']);

function isClavisType(type: GraphQLNamedType): boolean {
  if (isIntrospectionType(type) || isSpecifiedScalarType(type)) return false;
  return !FEDERATION_TYPES.has(type.name) && !type.name.startsWith('link__') && !type.name.startsWith('federation__');
}

const described = (definition: { description?: string | null }) => Boolean(definition.description?.trim());

/** Coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`) of Clavis's definitions without a description. */
function undescribed(schema: GraphQLSchema): { missing: string[]; total: number } {
  const missing: string[] = [];
  let total = 0;
  const check = (coordinate: string, definition: { description?: string | null }) => {
    total += 1;
    if (!described(definition)) missing.push(coordinate);
  };
  const types = Object.values(schema.getTypeMap())
    .filter(isClavisType)
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const type of types) {
    check(type.name, type);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        const coordinate = `${type.name}.${field.name}`;
        if (FEDERATION_FIELDS.has(coordinate)) continue;
        check(coordinate, field);
        for (const arg of field.args) check(`${coordinate}(${arg.name}:)`, arg);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) check(`${type.name}.${field.name}`, field);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) check(`${type.name}.${value.name}`, value);
    }
  }
  return { missing, total };
}

let schema: GraphQLSchema;

beforeAll(async () => {
  schema = await buildClavisSchema();
});

test('every type, field, argument, input field and enum value Clavis defines has a description', () => {
  const { missing, total } = undescribed(schema);
  // Names each definition to describe, e.g. `Query.credentials(filter:)`, one a line.
  if (missing.length > 0) throw new Error(`${missing.length} of ${total} definitions have no description:\n  ${missing.join('\n  ')}`);
  expect(missing).toEqual([]);
});

test('the check sees every kind of definition and leaves federation and built-ins out', () => {
  const { total } = undescribed(schema);
  // Guards the check itself: a filter that skipped everything would pass the test above.
  expect(total).toBeGreaterThan(500);
  const names = Object.values(schema.getTypeMap())
    .filter(isClavisType)
    .map((type) => type.name);
  for (const name of ['Query', 'Mutation', 'Node', 'PageInfo', 'CredentialType', 'CreateCredentialInput', 'Credential', 'DateTime']) {
    expect(names).toContain(name);
  }
  for (const name of ['_Any', '_Service', '_Entity', 'String', '__Schema']) expect(names).not.toContain(name);
  expect(names.filter((name) => name.startsWith('link__') || name.startsWith('federation__'))).toEqual([]);
});

test('the check names an undescribed definition of each kind by its coordinate', () => {
  const sdl = `
    "d" type Query { "d" a("d" x: Int, y: Int): Kind  b: String  _service: String }
    "d" enum Kind { "d" ONE TWO }
    input Filter { "d" z: Int  w: Int }
    "d" type Mutation { "d" f("d" input: Filter): Int }
    "d" scalar Described
    scalar Undescribed
  `;
  expect(undescribed(buildSchema(sdl)).missing).toEqual(['Filter', 'Filter.w', 'Kind.TWO', 'Query.a(y:)', 'Query.b', 'Undescribed']);
});
