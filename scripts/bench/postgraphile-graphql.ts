/**
 * PostGraphile V4 needs graphql 15 while Clavis uses graphql 16. npm installs PostGraphile's
 * graphql 15 twice (under postgraphile/ and graphile-build-pg/) and lets some of its
 * dependencies (graphql-parse-resolve-info) take the root graphql 16: three realms, and
 * graphql's `instanceof` checks fail ("Cannot use GraphQLNonNull from another module or realm").
 * Imported first by postgraphile-server (its own process), this sends every `graphql` and
 * `graphql/…` require of that process to the one copy under postgraphile/.
 */
import Module from 'node:module';
import { dirname } from 'node:path';

const postgraphileDir = dirname(require.resolve('postgraphile/package.json'));
const graphqlDir = dirname(require.resolve('graphql/package.json', { paths: [postgraphileDir] }));
if (!require(`${graphqlDir}/package.json`).version.startsWith('15.')) throw new Error(`expected graphql 15 under ${postgraphileDir}`);

type Resolve = (request: string, ...rest: unknown[]) => string;
const modules = Module as unknown as { _resolveFilename: Resolve };
const resolveFilename = modules._resolveFilename;
modules._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  if (request === 'graphql' || request.startsWith('graphql/')) request = graphqlDir + request.slice('graphql'.length);
  return resolveFilename.call(this, request, ...rest);
};
