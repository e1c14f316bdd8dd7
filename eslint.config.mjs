// @ts-check
import { readFileSync } from 'node:fs';
import js from '@eslint/js';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import { parse } from 'graphql';
import tseslint from 'typescript-eslint';

/**
 * `schema.graphql` as Clavis defines it: federation's own definitions (`_Any`, `_Service`, `_Entity`, `link__*`,
 * `federation__*`, `Query._service`/`_entities`, `@link` and the directives it imports such as `@key`) are blanked out —
 * replaced by spaces, newlines kept — so that the lint judges only Clavis's API and every finding keeps its line and column.
 * @param {string} sdl
 */
function withoutFederation(sdl) {
  const document = parse(sdl);
  /** @type {Array<{ start: number, end: number } | undefined>} */
  const cuts = [];
  const federationDirectives = new Set(['link']);
  for (const definition of document.definitions) {
    if (definition.kind !== 'SchemaExtension') continue;
    for (const link of definition.directives ?? []) {
      for (const argument of link.arguments ?? []) {
        if (argument.name.value !== 'import' || argument.value.kind !== 'ListValue') continue;
        for (const imported of argument.value.values) if (imported.kind === 'StringValue') federationDirectives.add(imported.value.replace(/^@/, ''));
      }
    }
  }
  const isFederationName = (/** @type {string} */ name) => /^(_Any|_Service|_Entity|link__|federation__)/.test(name);
  const isFederationDirective = (/** @type {string} */ name) => federationDirectives.has(name) || name.startsWith('federation__');
  for (const definition of document.definitions) {
    if (definition.kind === 'SchemaExtension') cuts.push(definition.loc);
    else if (definition.kind === 'DirectiveDefinition') {
      if (isFederationDirective(definition.name.value)) cuts.push(definition.loc);
    } else if ('name' in definition && definition.name && isFederationName(definition.name.value)) cuts.push(definition.loc);
    else {
      for (const directive of definition.directives ?? []) if (isFederationDirective(directive.name.value)) cuts.push(directive.loc);
      if ('name' in definition && definition.name?.value === 'Query' && 'fields' in definition) {
        for (const field of definition.fields ?? []) if (field.name.value === '_service' || field.name.value === '_entities') cuts.push(field.loc);
      }
    }
  }
  const chars = sdl.split(''); // UTF-16 units, as graphql's locations count
  for (const cut of cuts) {
    if (!cut) throw new Error('schema.graphql parsed without locations');
    for (let i = cut.start; i < cut.end; i++) if (chars[i] !== '\n') chars[i] = ' ';
  }
  return chars.join('');
}

/** @graphql-eslint's parser over the schema with federation's definitions blanked out (see withoutFederation). */
const clavisSchemaParser = {
  meta: { name: 'clavis-schema-without-federation' },
  /** @param {string} code @param {import('@graphql-eslint/eslint-plugin').ParserOptions} options */
  parseForESLint: (code, options) => graphqlPlugin.parser.parseForESLint(withoutFederation(code), options),
};

/**
 * Type-aware lint over everything TypeScript in the project, and @graphql-eslint over the schema it publishes.
 * Formatting is prettier's job (`npm run lint` runs both), so no stylistic rules here.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'scripts/bench/peers/'] },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks a value taken apart only to leave it out (`const { secret: _secret, ...rest }`).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      // Apollo's plugin hooks and the tests' resolver doubles implement async interfaces: a hook
      // that happens not to await is still what the interface asks for.
      '@typescript-eslint/require-await': 'off',
      // Prettier wraps code at 160 columns but cannot break strings, regexes or comments: this holds those to it too.
      'max-len': ['error', { code: 160, ignoreUrls: true }],
    },
  },
  {
    // Tests and benchmark scripts read GraphQL responses, which are JSON of the query's shape:
    // typing each one would restate the query, so `any` is allowed there and only there.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The published schema, linted by @graphql-eslint's schema and Relay rule sets (federation's definitions left out).
    files: ['schema.graphql'],
    languageOptions: {
      parser: clavisSchemaParser,
      parserOptions: { schemaSdl: withoutFederation(readFileSync(new URL('schema.graphql', import.meta.url), 'utf8')) },
    },
    plugins: { '@graphql-eslint': graphqlPlugin },
    rules: {
      ...graphqlPlugin.configs['flat/schema-recommended'].rules,
      ...graphqlPlugin.configs['flat/schema-relay'].rules,
      // Stricter than recommended (types, root fields): every field, argument, input field and enum value is described too.
      '@graphql-eslint/require-description': [
        'error',
        { types: true, rootField: true, DirectiveDefinition: true, FieldDefinition: true, InputValueDefinition: true, EnumValueDefinition: true },
      ],
      // Narrowed: Relay's wrappers and the value objects embedded in an entity have no identity of their own to give an `id`.
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          exceptions: {
            suffixes: ['Connection', 'Edge', 'Payload', 'Protocol', 'Protocols'],
            // ClientMetadataDocument is known by its url (the client_id) per organization, the policy by the caller's organization: no ID of their own.
            types: ['PageInfo', 'EntityMetadata', 'ClientUriVerification', 'ClientSettingsIssue', 'ClientMetadataDocument', 'ClientMetadataDocumentPolicy'],
          },
        },
      ],
      // Narrowed: plain lists (redirect URIs, scopes, grant types, settings issues) are short bounded values, not connections.
      '@graphql-eslint/relay-edge-types': ['error', { listTypeCanWrapOnlyEdgeType: false }],
      // Off: `Client.clientId`, `clientType`, `clientUri` are RFC 7591/OIDC names (client_id, client_uri); renaming is an API change.
      '@graphql-eslint/no-typename-prefix': 'off',
    },
  },
  // CommonJS configuration files (jest.config.js) and the bench's plain-JS peer server run on Node.
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
