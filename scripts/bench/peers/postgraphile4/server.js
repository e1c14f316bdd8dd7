'use strict';
/**
 * PostGraphile V4 (library mode on node:http) over the benchmark database: the previous
 * off-the-shelf baseline for scenarios (a) and (b), kept beside PostGraphile 5 (../postgraphile5-server.js)
 * for continuity with earlier runs; it runs on the Node that runs Clavis. Queries only (default
 * mutations disabled), no query log, production error output.
 *
 * Plain JavaScript in a package of its own (package.json and lock file beside this file), so
 * PostGraphile 4 and the graphql 15 it needs stay out of Clavis's dependency tree and type check,
 * and apart from PostGraphile 5's graphql 16 in ../ (in one tree, npm hoists V4's
 * graphql-parse-resolve-info next to graphql 16 and V4 answers nulls). `npm run bench` installs
 * this folder when its node_modules is missing.
 *
 * Environment: DATABASE_URL, PORT, DB_POOL_MAX (default 10).
 */
const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');

function main() {
  if (!process.env.DATABASE_URL) throw new Error('postgraphile4-server: DATABASE_URL is required');
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? 10),
    application_name: 'clavis-bench-postgraphile4',
  });
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
    process.stdout.write(`postgraphile4-server: listening on 127.0.0.1:${process.env.PORT}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void handler.release().finally(() => pool.end().finally(() => process.exit(0)));
  });
}

main();
