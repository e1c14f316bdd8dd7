// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Type-aware lint over everything TypeScript in the project. Formatting is prettier's job
 * (`npm run lint` runs both), so no stylistic rules here.
 */
export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', 'coverage/', 'scripts/bench/peers/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
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
  // CommonJS configuration files (jest.config.js) and the bench's plain-JS peer server run on Node.
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', process: 'readonly', console: 'readonly' } },
  },
);
