'use strict';
/**
 * PostGraphile V4 (library mode on node:http) over the benchmark database: the off-the-shelf
 * baseline for scenarios (a) and (b). V4 because it runs on Node 20 like Clavis; V5 needs
 * Node 22. Queries only (default mutations disabled), no query log, production error output.
 *
 * Plain JavaScript with its own package.json and lock file, so PostGraphile and the graphql 15
 * it needs stay out of Clavis's dependency tree (one graphql 16 there, one graphql 15 here) and
 * out of its type check. `npm run bench` installs this folder when its node_modules is missing.
 *
 * Environment: DATABASE_URL, PORT, DB_POOL_MAX (default 10).
 */
const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');

function main() {
  if (!process.env.DATABASE_URL) throw new Error('postgraphile-server: DATABASE_URL is required');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_MAX ?? 10), application_name: 'clavis-bench-postgraphile' });
  pool.on('error', () => undefined);
  const handler = postgraphile(pool, 'public', {
    disableDefaultMutations: true,
    dynamicJson: true,
    legacyRelations: 'omit',
    disableQueryLog: true,
    graphiql: false,
    watchPg: false,
    retryOnInitFail: false,
    setofFunctionsContainNulls: false,
    showErrorStack: false,
    extendedErrors: [],
  });
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.PORT ?? 4200), '127.0.0.1', () => {
    process.stdout.write(`postgraphile-server: listening on 127.0.0.1:${process.env.PORT}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void handler.release().finally(() => pool.end().finally(() => process.exit(0)));
  });
}

main();
