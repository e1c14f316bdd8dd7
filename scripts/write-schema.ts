import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printClavisSchema } from '../src/app/schema';

/** Regenerates `schema.graphql` from the code (`npm run schema`). */
printClavisSchema()
  .then((sdl) => {
    writeFileSync(join(__dirname, '..', '..', 'schema.graphql'), sdl);
    process.stdout.write('schema.graphql written\n');
  })
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
