// ESLint flat config. Besides typescript-eslint's recommended rules it
// enforces the layer boundaries (docs/ARCHITECTURE.md) with
// no-restricted-imports, in the spirit of VS Code's code-layering rule.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import { builtinModules } from 'node:module'

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)]
/** Any `node:` specifier, or a bare builtin name or subpath (fs, fs/promises). */
const nodeBuiltinRe = `/^(node:|(${builtinModules.filter((m) => !m.includes('/')).join('|')})([/]|$))/`

const noElectron = {
  name: 'electron',
  message: 'Only src-main/electron/ may import electron (keep decisions in pure modules).',
}
const noNodeMessage = 'This layer runs in a browser/sandbox: no Node builtins.'
const noNode = nodeBuiltins.map((name) => ({ name, message: noNodeMessage }))
/** node:test, node:sqlite, … are not in builtinModules. */
const noNodeScheme = { regex: '^node:', message: noNodeMessage }
const noMainFromUi = {
  group: ['**/src-main/**', '**/src-main'],
  message: 'The renderer and shared code never import main-process code; use the RPC contract.',
}

/** import('electron') and require('electron') slip past no-restricted-imports. */
const noDynamicElectron = [
  {
    selector: "ImportExpression[source.value='electron']",
    message: noElectron.message,
  },
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value='electron']",
    message: noElectron.message,
  },
]

/** import('node:fs') and require('fs') slip past no-restricted-imports too. */
const noDynamicNode = [
  { selector: `ImportExpression[source.value=${nodeBuiltinRe}]`, message: noNodeMessage },
  {
    selector: `CallExpression[callee.name='require'][arguments.0.value=${nodeBuiltinRe}]`,
    message: noNodeMessage,
  },
]

/** Node's own globals; the renderer has none (no-undef is off for TypeScript, so name them). */
const noNodeGlobals = [
  'process',
  'Buffer',
  'require',
  'module',
  'exports',
  '__dirname',
  '__filename',
  'global',
  'setImmediate',
  'clearImmediate',
].map((name) => ({ name, message: 'The renderer runs in a browser: no Node globals.' }))

/** @param {{ paths?: object[], patterns?: object[], electron?: boolean, node?: boolean }} opts */
const restrict = ({ paths = [], patterns = [], electron = true, node = false }) => {
  const syntax = [...(electron ? noDynamicElectron : []), ...(node ? noDynamicNode : [])]
  return {
    'no-restricted-imports': ['error', { paths, patterns }],
    ...(syntax.length ? { 'no-restricted-syntax': ['error', ...syntax] } : {}),
  }
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'resources/**/dist/**',
      'coverage/**',
      'test-support/lint-fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Code that runs in the page gets browser globals (below), never Node's.
    ignores: ['src-renderer/**', 'src-shared/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-shared/**/*.ts'],
    languageOptions: { globals: { ...globals['shared-node-browser'] } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // --- layer boundaries -------------------------------------------------
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: restrict({
      paths: [noElectron],
      patterns: [{ group: ['electron/*'], message: noElectron.message }],
    }),
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: restrict({
      paths: [noElectron, { name: 'react', message: 'core is UI-free.' }],
      patterns: [
        { group: ['electron/*'], message: noElectron.message },
        {
          group: [
            '**/electron/**',
            '**/shell/**',
            '**/rpc/**',
            '**/serve/**',
            '**/local/**',
            '**/cli/**',
            '**/src-renderer/**',
            // the shared contract (src-shared/rpc, …) is allowed everywhere
            '!**/src-shared/**',
          ],
          message:
            'src-main/core is the domain layer: it imports neither Electron, UI, transport nor CLI code.',
        },
        {
          group: ['react-dom', 'react-dom/*', 'zustand', '@xterm/xterm'],
          message: 'core is UI-free.',
        },
      ],
    }),
  },
  {
    files: ['src-main/shell/**/*.ts'],
    rules: restrict({
      paths: [noElectron],
      patterns: [
        { group: ['electron/*'], message: noElectron.message },
        {
          group: ['**/electron/**'],
          message: 'shell/ holds pure decisions; adapters live in src-main/electron/.',
        },
      ],
    }),
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: restrict({
      node: true,
      paths: [noElectron, ...noNode],
      patterns: [
        noNodeScheme,
        noMainFromUi,
        {
          group: ['**/src-renderer/**', '**/src-preload/**'],
          message: 'src-shared depends on nothing but zod.',
        },
        {
          group: ['react', 'react-dom', 'zustand'],
          message: 'src-shared depends on nothing but zod.',
        },
      ],
    }),
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: restrict({
      electron: false,
      node: true,
      paths: noNode,
      patterns: [
        noNodeScheme,
        noMainFromUi,
        { group: ['**/src-renderer/**'], message: 'The preload stays tiny.' },
      ],
    }),
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-globals': ['error', ...noNodeGlobals],
      ...restrict({
        node: true,
        paths: [noElectron, ...noNode],
        patterns: [
          noNodeScheme,
          noMainFromUi,
          { group: ['**/src-preload/**'], message: 'Use window.botBottle through the RPC client.' },
        ],
      }),
    },
  },
  {
    files: [
      'e2e/**/*.ts',
      'test-support/**/*.ts',
      'test-tools/**/*.ts',
      'bench/**/*.ts',
      'scripts/**/*.mjs',
      '**/*.spec.ts',
      '**/*.spec.tsx',
    ],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
)
