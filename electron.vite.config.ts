import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

const r = (p: string): string => resolve(__dirname, p)

// zod's sources carry /* @__PURE__ */ notes Rollup cannot place; they are harmless.
const onwarn = (
  warning: { code?: string; message: string },
  warn: (w: { code?: string; message: string }) => void,
): void => {
  if (warning.code === 'INVALID_ANNOTATION') return
  warn(warning)
}

/** Dev only: Vite's React refresh preamble is an inline script, and HMR uses a WebSocket. */
const devCsp = {
  name: 'bot-bottle-dev-csp',
  apply: 'serve' as const,
  transformIndexHtml: (html: string): string =>
    html
      .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
      .replace("connect-src 'self'", "connect-src 'self' ws://localhost:*"),
}

// Three bundles. Main holds two entries: the Electron app (`index`) and the
// plain-Node CLI (`cli`, also `bot-bottle serve`), which never imports electron.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: r('src-main/electron/main.ts'),
          cli: r('src-main/cli/main.ts'),
        },
        onwarn,
      },
      // execa is ESM-only: bundle it into the CommonJS main. Native addons
      // (node-pty) and the rest of `dependencies` stay external.
      externalizeDeps: { exclude: ['execa'] },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { index: r('src-preload/index.ts') },
        output: { format: 'cjs' },
        onwarn,
      },
      // A sandboxed preload can only require electron: ship one self-contained file.
      externalizeDeps: false,
    },
  },
  renderer: {
    root: r('src-renderer'),
    build: {
      // electron-vite leaves the renderer unminified; it is also served over HTTP in serve mode.
      minify: 'esbuild',
      rollupOptions: { input: { index: r('src-renderer/index.html') }, onwarn },
    },
    plugins: [react(), devCsp],
  },
})
