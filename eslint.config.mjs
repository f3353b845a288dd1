import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, top to bottom: a folder imports only from folders after it (type imports
 * included), never from one before it or beside it; root files (main.ts, app.*.ts) wire everything
 * and nothing imports them. docs/ARCHITECTURE.md explains each layer.
 */
export const LAYERS = [
  ['chat', 'health', 'pmc', 'account'],
  ['sessions'],
  ['turns'],
  ['user-servers'],
  ['artifacts'],
  ['react'],
  ['models'],
  ['usage'],
  ['mcp'],
  ['session-store'],
  ['metrics'],
  ['auth'],
  ['redis'],
  ['common'],
  ['config'],
  ['contract'],
];

const ORDER = LAYERS.map((layer) => layer.join(', ')).join(' → ');

/** One zone per folder: everything above it, and its peers in the same layer, is out of bounds. */
function layerZones() {
  return LAYERS.flatMap((layer, index) =>
    layer.map((folder) => {
      const above = [...LAYERS.slice(0, index).flat(), ...layer.filter((peer) => peer !== folder)];
      return {
        target: `src/${folder}`,
        from: above.map((higher) => `src/${higher}`),
        message: `src/${folder}/ may import only from the folders below it (${ORDER}).`,
      };
    }),
  ).filter((zone) => zone.from.length > 0);
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'public/pmc/vendor/', '*.js', '*.mjs'] },
  // PMCChat: plain ES modules for the browser, no build step.
  {
    files: ['public/**/*.js'],
    ...js.configs.recommended,
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: globals.browser },
    rules: { ...js.configs.recommended.rules, eqeqeq: 'error', curly: ['error', 'multi-line'], 'no-empty': 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      curly: 'error',
      'no-empty': 'error',
    },
  },
  // Imports: framework, external and Node's own; then src/ and relative, each block in path order.
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      'import-x/order': [
        'error',
        {
          groups: [
            ['builtin', 'external'],
            ['parent', 'sibling', 'index'],
          ],
          pathGroups: [{ pattern: '@nestjs/**', group: 'external', position: 'before' }],
          pathGroupsExcludedImportTypes: ['builtin'],
          'newlines-between': 'always',
          distinctGroup: false,
          alphabetize: { order: 'asc', caseInsensitive: true },
        },
      ],
    },
  },
  // The architecture: imports flow one way between the folders of src/, and no file cycle exists.
  {
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          basePath: import.meta.dirname,
          zones: [
            ...layerZones(),
            {
              target: 'src/*/**',
              from: ['src/*.ts'],
              message: 'Root files (main.ts, app.*.ts) wire the app; no folder imports them.',
            },
          ],
        },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
);
