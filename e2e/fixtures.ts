import { test as base, expect, type Page } from '@playwright/test'
import { need } from '../test-support/prereqs'
import { startServeBackend, type ServeBackend } from './serve-backend'

/**
 * `backend`: one serve backend per test file (worker), extra env from
 * `test.use({ backendEnv })`. `page` fails the test on any console error or
 * uncaught exception.
 */
export const test = base.extend<
  { consoleErrors: string[] },
  { backend: ServeBackend; backendEnv: NodeJS.ProcessEnv }
>({
  backendEnv: [{}, { option: true, scope: 'worker' }],
  backend: [
    async ({ backendEnv }, use) => {
      const backend = await startServeBackend(backendEnv)
      try {
        await use(backend)
      } finally {
        await backend.stop()
      }
    },
    { scope: 'worker' },
  ],
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
    await use(errors)
    expect(errors, 'console errors or uncaught exceptions').toEqual([])
  },
})

export { expect }

/** Skips (locally) or fails (CI=true) when Chromium is missing. */
export function requireChromium(): void {
  test.skip(!need('chromium'), 'Chromium is not installed (apt-get install -y chromium)')
}

export async function openDashboard(page: Page, backend: ServeBackend): Promise<void> {
  await page.goto(backend.url)
}
