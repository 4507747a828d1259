// Type-aware lint rules that catch what review misses: promises nobody awaits, promises handed to
// callbacks that ignore them, and Node or Prisma reaching into deterministic workflow code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'src/generated/', 'coverage/', 'test-artifacts/', '.venv/', '.data/', '.keyflow/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed: it may not touch the clock, the network, the file system or the database.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules
            .flatMap((name) => [name, `node:${name}`])
            .map((name) => ({ name, message: 'workflow code is deterministic: no Node built-ins' })),
          patterns: [
            { group: ['@prisma/*', '**/generated/prisma*', '**/generated/prisma/**'], message: 'workflow code never talks to the database: call an activity' },
            { group: ['**/db/*', '**/payments/*', '**/mail/*', '**/api/*', '**/observability/*'], message: 'workflow code decides; activities act' },
            {
              group: ['@temporalio/client', '@temporalio/worker', '@temporalio/activity'],
              message: 'workflow code imports only @temporalio/workflow and @temporalio/common',
            },
          ],
        },
      ],
    },
  },
  // Layers import downwards: api → orders → channels (routing, health), admission → workflows / activities → payments, stock, mail → db.
  // Nothing outside src/dev imports development-only code (launcher, sandbox, baseline).
  ...Object.entries({
    db: ['@temporalio/*', '**/observability/*', '**/orders/*', '**/activities/*', '**/api/*', '**/payments/*', '**/workflows/*', '**/channels/*'],
    payments: ['**/orders/*', '**/activities/*', '**/api/*', '**/workflows/*', '**/channels/*'],
    channels: ['@temporalio/*', '**/orders/*', '**/activities/*', '**/api/*', '**/workflows/*'],
    admission: ['@temporalio/*', '**/orders/*', '**/activities/*', '**/api/*', '**/workflows/*', '**/payments/*', '**/channels/*'],
    activities: ['**/orders/*', '**/api/*'],
    orders: ['**/api/*'],
    cache: ['@temporalio/*', '**/orders/*', '**/activities/*', '**/api/*', '**/workflows/*', '**/payments/*', '**/channels/*', '**/web/*'],
    catalogue: ['@temporalio/*', '**/orders/*', '**/activities/*', '**/api/*', '**/workflows/*', '**/web/*'],
  }).map(([folder, banned]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: banned,
              message: `src/${folder} may not import this: layers import downwards (api → orders → workflows/activities → payments → db); report upward through an interface`,
            },
            { group: ['**/dev/*', '**/dev/**'], message: 'development-only code never runs in production' },
          ],
        },
      ],
    },
  })),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/dev/**', 'src/db/**', 'src/payments/**', 'src/activities/**', 'src/orders/**', 'src/workflows/**', 'src/channels/**', 'src/admission/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/dev/*', '**/dev/**'], message: 'development-only code never runs in production' }] }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The storefront's own script runs in buyers' browsers.
    files: ['src/web/assets/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(['document', 'navigator', 'location', 'fetch', 'setTimeout', 'URLSearchParams'].map((name) => [name, 'readonly'])),
    },
  },
);
