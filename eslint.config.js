// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http',
  'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url',
  'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.firepond/**', '.cache/**', 'bench/out/**', 'scratch/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'no-restricted-syntax': ['error', { selector: 'ImportNamespaceSpecifier[parent.importKind!="type"]', message: 'no wildcard imports' }],
    },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no service modules, no activities
    // as values.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          ...nodeBuiltins.map((name) => ({ name, message: 'workflows must be deterministic: no Node builtins' })),
          ...nodeBuiltins.map((name) => ({ name: `node:${name}`, message: 'workflows must be deterministic: no Node builtins' })),
        ],
        patterns: [
          { group: ['@duckdb/*', 'lmdb', '@temporalio/activity', '@temporalio/client', '@temporalio/worker'], message: 'not allowed in workflow code' },
          { group: ['../activities/*', '../infra/*', '!../infra/errors.ts', '../client/*', '../storage/*', '../meta/*'], allowTypeImports: true, message: 'workflows may import other layers as types only' },
        ],
      }],
    },
  },
);
