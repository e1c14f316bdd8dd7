import type { ApolloServerOptionsWithGateway } from '@apollo/server';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLSchema, OperationTypeNode, Source, execute, printSchema } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/**
 * Compiled execution of queries, plugged into Apollo Server through its executor seam (the
 * gateway interface: Apollo still parses, validates, runs every plugin and formats the answer;
 * only execution changes). graphql-js interprets the document anew on every request; graphql-jit
 * compiles each distinct query document once into a function, which Apollo's document store then
 * hands back for every request with the same text.
 *
 * graphql-js still executes what compiled execution would change or cannot do:
 * - mutations (their fields run one after another, and their cost is the database's anyway);
 * - documents graphql-jit refuses to compile;
 * - a request whose variables do not coerce (nothing has run yet), so that its errors keep
 *   graphql-js's exact wording, which Apollo turns into BAD_USER_INPUT.
 */
export function compiledExecutionGateway(schema: GraphQLSchema): Gateway {
  // Apollo's document store returns the same DocumentNode for the same query text, so a weak map
  // caches per document for exactly as long as Apollo keeps the document.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>();
  const compiledFor = (document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult => {
    let byOperation = compiled.get(document);
    if (!byOperation) compiled.set(document, (byOperation = new Map<string, CompiledQuery | ExecutionResult>()));
    const key = operationName ?? '';
    let query = byOperation.get(key);
    if (!query) byOperation.set(key, (query = compileQuery(schema, document, operationName)));
    return query;
  };

  const executor: Executor = async (request) => {
    const interpreted = () =>
      execute({
        schema,
        document: request.document,
        contextValue: request.context,
        variableValues: request.request.variables,
        operationName: request.request.operationName,
      });
    if (request.operation.operation !== OperationTypeNode.QUERY) return interpreted();
    const query = compiledFor(request.document, request.request.operationName);
    if (!isCompiledQuery(query)) return interpreted();
    const result = await query.query(undefined, request.context, request.request.variables ?? {});
    if (result.data === undefined && result.errors?.length) return interpreted();
    return result.errors?.length ? { ...result, errors: asGraphQLErrors(result.errors, request.source) } : result;
  };

  return {
    onSchemaLoadOrUpdate: (callback) => {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: () => Promise.resolve({ executor }),
    stop: () => Promise.resolve(),
  };
}

/**
 * graphql-jit's errors carry `locations` but no AST nodes, source or positions, and no `extensions`
 * object when the resolver's error had none; Apollo rebuilds each error from nodes or source and
 * positions, and reads `extensions.code`. The same errors as graphql-js's, positions recovered
 * from the line and column graphql-jit reports.
 */
function asGraphQLErrors(errors: readonly GraphQLError[], text: string): GraphQLError[] {
  const source = new Source(text);
  const lineStarts = [0];
  for (const match of text.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
  return errors.map((error) => {
    const positions = error.locations?.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
    return new GraphQLError(error.message, { source, positions, path: error.path, originalError: error.originalError, extensions: error.extensions });
  });
}
