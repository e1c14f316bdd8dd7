import type { GraphQLSchema } from 'graphql';

/** type-graphql builds Query and Mutation itself and takes no description for them, so they are set on the built schema. */
const ROOT_TYPE_DESCRIPTIONS = {
  query:
    "Reads: objects by id, lists as Relay connections, and the client settings dry run. A caller sees only its own organization's objects; " +
    'each field names the scope it needs.',
  mutation: 'Changes. Each mutation takes one `input` and returns a payload; one that fails changes nothing. Each names the scope it needs.',
};

/** Describes the root types of a freshly built schema (mutating it) and returns it. */
export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  if (query) query.description = ROOT_TYPE_DESCRIPTIONS.query;
  const mutation = schema.getMutationType();
  if (mutation) mutation.description = ROOT_TYPE_DESCRIPTIONS.mutation;
  return schema;
}
