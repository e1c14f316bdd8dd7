import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { type DocumentNode, GraphQLError, type GraphQLSchema, getNamedType, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE } from '../common/pagination';
import type { Admission } from './admission';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Hide every "Did you mean …?" suggestion (production); done by the error formatter. */
  hideSuggestions: boolean;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 12, maxAliases: 30, maxTokens: 5000, maxDirectives: 20, maxCost: 50_000, hideSuggestions: false };

/**
 * Cost of a field: 1, plus its selection times how many items it can return. A Relay
 * connection returns up to `first` or `last` (default 20) nodes, `_entities` one per representation;
 * everything else counts its selection once.
 */
const costEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const typeName = getNamedType(field.type).name;
  let multiplier = 1;
  if (typeName.endsWith('Connection')) {
    // Backward pages cost like forward ones: `last` sizes them (both given is refused later; the larger counts here).
    const sizes = [args.first, args.last].filter((value): value is number => typeof value === 'number');
    multiplier = sizes.length > 0 ? Math.max(...sizes) : DEFAULT_PAGE_SIZE;
  } else if (field.name === '_entities' && Array.isArray(args.representations)) multiplier = args.representations.length;
  return 1 + multiplier * childComplexity;
};

/**
 * The variables a cost can depend on: integers (page sizes) and `_entities` representation
 * counts. A document asked again with other ids costs the same, so its cost is computed once.
 */
function costKey(operation: OperationDefinitionNode, variables: Record<string, unknown>): string {
  return JSON.stringify(
    operation.variableDefinitions?.map(({ variable }) => {
      const value = variables[variable.name.value];
      return typeof value === 'number' ? value : Array.isArray(value) ? value.length : null;
    }) ?? [],
  );
}

/**
 * Computes an operation's cost before execution and refuses it above the limit; then, with
 * admission control, admits it by that cost (here, not in a plugin of its own: Apollo runs the
 * plugins' `didResolveOperation` hooks concurrently, so another could not see the cost).
 */
function costLimitPlugin(schema: GraphQLSchema, maxCost: number, admission?: Admission): ApolloServerPlugin {
  const costs = new WeakMap<DocumentNode, Map<string, number>>();
  return {
    async requestDidStart() {
      // The cost admitted (-1: none) and whether the response is on its way: another plugin's
      // hook may fail the request while this one still waits in the queue, and Apollo then
      // answers without waiting for it, so a late admission is given back at once.
      let admitted = -1;
      let finished = false;
      return {
        async willSendResponse() {
          finished = true;
          if (admitted >= 0) admission!.release(admitted);
          admitted = -1;
        },
        async didResolveOperation({ request, document, operation }) {
          const variables = request.variables ?? {};
          const key = `${request.operationName ?? ''}|${operation ? costKey(operation, variables) : ''}`;
          let byVariables = costs.get(document);
          if (!byVariables) costs.set(document, (byVariables = new Map<string, number>()));
          let cost = byVariables.get(key);
          if (cost === undefined) {
            try {
              cost = getComplexity({ schema, query: document, variables, operationName: request.operationName, estimators: [costEstimator] });
            } catch {
              // Invalid variables: execution reports them precisely (BAD_USER_INPUT) before any resolver runs.
              return;
            }
            if (byVariables.size < 100) byVariables.set(key, cost);
          }
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for fewer items per page (first or last) or fewer nested lists.`, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost, maxCost, http: { status: 400 } },
            });
          }
          if (!admission) return;
          const waiting = admission.admit(cost);
          if (waiting) await waiting;
          if (finished) admission.release(cost);
          else admitted = cost;
        },
      };
    },
  };
}

/**
 * Limits checked before any resolver runs: depth (sized for Relay connections four lists
 * deep), aliases, tokens and directives through graphql-armor, and the list-aware cost.
 */
export function queryLimitProtection(
  schema: GraphQLSchema,
  limits: QueryLimits,
  admission?: Admission,
): { plugins: ApolloServerPlugin[]; validationRules: ValidationRule[]; parseOptions: { maxTokens: number } } {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    // Tokens are counted by graphql-js's own parser (Apollo `parseOptions`): armor's token
    // plugin throws where Apollo 5 reports a 500 instead of a parse failure.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    // Armor's cost model does not multiply by page sizes; the plugin above does.
    costLimit: { enabled: false },
    // Armor's masking misses enum values, inline fragments and variables: the error formatter hides them all.
    blockFieldSuggestion: { enabled: false },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins: [...plugins, costLimitPlugin(schema, limits.maxCost, admission)], validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}
