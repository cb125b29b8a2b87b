import { resolve } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Renderer components and their *.spec.tsx use the automatic JSX runtime (as tsconfig.web.json says).
  esbuild: { jsx: 'automatic' },
  resolve: {
    // Unit tests never load the real electron package (it would try to
    // download a binary): every `electron` import gets the stub.
    alias: { electron: resolve(__dirname, 'test-support/electron-stub.ts') },
  },
  test: {
    include: [
      'src-main/**/*.spec.ts',
      'src-shared/**/*.spec.ts',
      'src-preload/**/*.spec.ts',
      'src-renderer/**/*.spec.{ts,tsx}',
      'resources/**/*.spec.ts',
      'test-tools/**/*.spec.ts',
      'scripts/**/*.spec.ts',
      'test-support/**/*.spec.ts',
    ],
    exclude: ['**/node_modules/**', 'out/**', 'e2e/**'],
    environment: 'node',
    globalSetup: ['test-support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Docker- and pty-heavy files share two cores; keep the pool small.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
})
