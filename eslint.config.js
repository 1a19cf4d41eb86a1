// ESLint 9 flat config: typescript-eslint's strict and stylistic type-checked sets (the rules the code
// nearly meets), import ordering, and a one-line reason beside every rule that is turned off or tuned.
// `npm run lint` runs it; formatting is Prettier's job (`npm run format:check`), so no layout rules here.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['**/node_modules/', '**/dist/', 'coverage/', '.nx/', '.tools/', '.cache/', '**/build/lambda/', 'examples/'],
  },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      // One block, no blank lines (the code's habit): side effects, node: builtins, packages, then relative paths.
      'simple-import-sort/imports': ['error', { groups: [['^\\u0000', '^node:', '^@?\\w', '^', '^\\.']] }],
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked, tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      // One program for sources, tests, benches and tools (tsconfig.test.json includes them all).
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Numbers, booleans and regular expressions print as expected in a message; objects and nullish values stay errors.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowRegExp: true }],
      // Off: it asks for `x!` where strict's no-non-null-assertion forbids `!`; the two cannot both hold.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // `T[]` for simple element types, `Array<…>` for object and union types (the code's habit).
      '@typescript-eslint/array-type': ['error', { default: 'array-simple' }],
      // `(chunk) => (text += chunk)` and `() => resolve()` return nothing anyone reads.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // `() => {}` is how the code says "ignore this event" (an EPIPE on a child's stdin, a cleanup that may fail).
      '@typescript-eslint/no-empty-function': ['error', { allow: ['arrowFunctions'] }],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.lane.ts', '**/__fixtures__/**', '**/*.fixture.ts', 'tools/testing/**', 'tools/consumers/**'],
    rules: {
      // A test's `result!` fails loudly at the very next line, which is the assertion that matters.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Vitest callbacks are written `async` by habit, whether or not this one awaits.
      '@typescript-eslint/require-await': 'off',
      // `expect(client.send).toHaveBeenCalled…()` reads a method without calling it, by design.
      '@typescript-eslint/unbound-method': 'off',
      // Vitest's asymmetric matchers (`expect.any(…)`, `expect.stringMatching(…)`) are typed `any` inside expected objects.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
