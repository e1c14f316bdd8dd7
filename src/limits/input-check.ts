import type { ApolloServerPlugin } from '@apollo/server';
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  Kind,
  TypeInfo,
  getArgumentValues,
  getNullableType,
  getVariableValues,
  isInputObjectType,
  isListType,
  isObjectType,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { type FieldError, ValidationFailedError } from '../common/errors';
import { textProblem } from '../common/text';

/** Input fields holding free text, where tab, line feed and carriage return are allowed. */
// clientCertificate: PEM is base64 in lines (RFC 7468 §2).
const FREE_TEXT_FIELDS = new Set(['description', 'clientCertificate']);
/** Nesting allowed in JSON-valued arguments (jwks, authorizationParams, `_entities` representations). */
export const MAX_JSON_DEPTH = 16;

const join = (path: string, key: string | number): string => (path ? `${path}.${key}` : String(key));

/** Walks a JSON value (a JSON scalar, an `_Any` representation): text of keys and values, and depth. */
function checkJson(value: unknown, path: string, depth: number, problems: FieldError[]): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) problems.push({ path, message: problem });
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Date) return;
  if (depth >= MAX_JSON_DEPTH) {
    problems.push({ path, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` });
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    // A bad member name is reported at its object: the path must not carry the bad text itself.
    const keyProblem = textProblem(key);
    if (keyProblem) problems.push({ path, message: `member names ${keyProblem}` });
    else checkJson(item, join(path, key), depth + 1, problems);
  }
}

/** Walks a coerced argument value along its input type. */
function checkValue(value: unknown, type: GraphQLInputType, path: string, freeText: boolean, problems: FieldError[]): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (Array.isArray(value)) value.forEach((item, i) => checkValue(item, nullable.ofType, join(path, i), freeText, problems));
    return;
  }
  if (isInputObjectType(nullable)) {
    for (const field of Object.values(nullable.getFields())) {
      checkValue((value as Record<string, unknown>)[field.name], field.type, join(path, field.name), FREE_TEXT_FIELDS.has(field.name), problems);
    }
    return;
  }
  if (typeof value === 'string') {
    const problem = textProblem(value, freeText);
    if (problem) problems.push({ path, message: problem });
    return;
  }
  // Custom scalars carrying JSON (JSONObject, _Any).
  checkJson(value, path, 0, problems);
}

/** The key fields of every federation entity type, from its `@key` directives (`Client`: [["id"], ["clientId"]]). */
function entityKeys(schema: GraphQLSchema): Map<string, string[][]> {
  const keys = new Map<string, string[][]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type)) continue;
    const directives = [type.astNode, ...type.extensionASTNodes].flatMap((node) => node?.directives ?? []);
    const fields = directives
      .filter((directive) => directive.name.value === 'key')
      .flatMap((directive) => directive.arguments?.filter((arg) => arg.name.value === 'fields') ?? [])
      .flatMap((arg) => (arg.value.kind === Kind.STRING ? [arg.value.value.trim().split(/\s+/)] : []));
    if (fields.length > 0) keys.set(type.name, fields);
  }
  return keys;
}

/** `_entities` representations: an entity type of this subgraph and one complete key of string values. */
function checkRepresentations(representations: unknown, keys: Map<string, string[][]>, problems: FieldError[]): void {
  if (!Array.isArray(representations)) return;
  representations.forEach((representation: unknown, i) => {
    const path = `representations.${i}`;
    if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) {
      problems.push({ path, message: 'must be an object with __typename and a key' });
      return;
    }
    const members = representation as Record<string, unknown>;
    const typeKeys = typeof members.__typename === 'string' ? keys.get(members.__typename) : undefined;
    if (!typeKeys) {
      problems.push({ path: `${path}.__typename`, message: `must name an entity type of this subgraph: ${[...keys.keys()].join(', ')}` });
      return;
    }
    if (!typeKeys.some((key) => key.every((field) => typeof members[field] === 'string'))) {
      problems.push({ path, message: `must carry the key ${typeKeys.map((key) => key.join(' ')).join(' or ')} as a string` });
    }
  });
}

interface ArgumentField {
  node: FieldNode;
  definition: GraphQLField<unknown, unknown>;
  isEntities: boolean;
}

/**
 * The fields with arguments the operation selects (each fragment once), with their definitions.
 * Apollo reuses the parsed document of a repeated query, so this walk is done once per query.
 */
const argumentFieldCache = new WeakMap<OperationDefinitionNode, ArgumentField[]>();
function argumentFields(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): ArgumentField[] {
  const cached = argumentFieldCache.get(operation);
  if (cached) return cached;
  const fields: ArgumentField[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const typeInfo = new TypeInfo(schema);
    visit(
      pending.pop()!,
      visitWithTypeInfo(typeInfo, {
        FragmentSpread(node) {
          const fragment = fragments.get(node.name.value);
          if (fragment && !seen.has(node.name.value)) {
            seen.add(node.name.value);
            pending.push(fragment);
          }
        },
        Field(node: FieldNode) {
          const definition = typeInfo.getFieldDef();
          if (!definition || !node.arguments?.length) return;
          fields.push({ node, definition, isEntities: definition.name === '_entities' && typeInfo.getParentType() === schema.getQueryType() });
        },
      }),
    );
  }
  argumentFieldCache.set(operation, fields);
  return fields;
}

/** Every argument value of the operation, checked against its definition. */
function checkOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): FieldError[] {
  const problems: FieldError[] = [];
  for (const { node, definition, isEntities } of argumentFields(schema, document, operation)) {
    const values = getArgumentValues(definition, node, variables);
    // Paths as every other field error names them: relative to `input`, else from the argument.
    for (const arg of definition.args) checkValue(values[arg.name], arg.type, arg.name === 'input' ? '' : arg.name, false, problems);
    if (isEntities) checkRepresentations(values.representations, entityKeysOf(schema), problems);
  }
  return problems;
}

const entityKeyCache = new WeakMap<GraphQLSchema, Map<string, string[][]>>();
function entityKeysOf(schema: GraphQLSchema): Map<string, string[][]> {
  let keys = entityKeyCache.get(schema);
  if (!keys) entityKeyCache.set(schema, (keys = entityKeys(schema)));
  return keys;
}

/**
 * Refuses, before execution, an operation any of whose argument values (literals and
 * variables, after coercion) holds text the API does not take (see `textProblem`), nests JSON
 * too deep, or is an `_entities` representation this subgraph cannot resolve: BAD_USER_INPUT
 * with HTTP 400, naming every offending argument path in `extensions.fields`. Checked once for
 * the whole operation, so no resolver can forget it and a refused operation touches no database.
 */
export function inputCheckPlugin(schema: GraphQLSchema): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation }) {
          if (!operation) return;
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 1 });
          // Invalid variables: execution reports them precisely (BAD_USER_INPUT) before any resolver runs.
          if (coerced.errors) return;
          let problems: FieldError[];
          try {
            problems = checkOperation(schema, document, operation, coerced.coerced);
          } catch {
            return; // a literal graphql-js cannot coerce: execution reports it the same way
          }
          if (problems.length > 0) throw new ValidationFailedError(problems, 400);
        },
      };
    },
  };
}
