import { expect, openDashboard, requireChromium, test } from './fixtures'

requireChromium()

test('serve mode shows the dashboard shell connected over WebSocket', async ({
  page,
  backend,
  consoleErrors,
}) => {
  await openDashboard(page, backend)
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
  await expect(page.getByTestId('app-info')).toContainText('serve')
  // The token left the address bar once the page had it.
  expect(page.url()).not.toContain('token=')
  await page.screenshot({ path: test.info().outputPath('dashboard-shell.png') })
  expect(consoleErrors).toEqual([])
})

test('a reload stays authenticated through the HttpOnly cookie', async ({ page, backend }) => {
  await openDashboard(page, backend)
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
  await page.reload()
  await expect(page.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
  expect(await page.evaluate(() => document.cookie)).toBe('') // HttpOnly: invisible to scripts
})

test('the page has no Node, no Electron bridge, and a strict CSP', async ({ page, backend }) => {
  await openDashboard(page, backend)
  const globals = await page.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    bridge: typeof (window as unknown as { botBottle?: unknown }).botBottle,
  }))
  expect(globals).toEqual({ require: 'undefined', process: 'undefined', bridge: 'undefined' })
  const blocked = await page.evaluate(async () => {
    try {
      await fetch('https://example.com/')
      return false
    } catch {
      return true
    }
  })
  expect(blocked).toBe(true)
})

test('without the token the page is refused', async ({ page, backend }) => {
  const res = await page.goto(backend.origin + '/')
  expect(res?.status()).toBe(401)
})
