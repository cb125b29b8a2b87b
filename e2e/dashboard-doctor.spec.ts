import { requireChromium } from './fixtures'
import { connectionStatus, dashboardTest, expect, keepScreenshot } from './dashboard-env'

/**
 * The doctor and the empty dashboard on a machine where smolvm is missing
 * (BOT_BOTTLE_SMOLVM points nowhere): the failed check says what to do.
 */
const test = dashboardTest({ BOT_BOTTLE_SMOLVM: '/nonexistent/bot-bottle-e2e/smolvm' })

requireChromium()

test('doctor names the missing smolvm and how to fix it', async ({
  page,
  backend,
  consoleErrors,
}) => {
  await page.goto(`${backend.url}#/doctor`)
  await expect(connectionStatus(page)).toHaveText('Connected')
  const smolvm = page
    .locator('[data-check]')
    .filter({ hasText: /smolvm/i })
    .first()
  await expect(smolvm).toHaveAttribute('data-status', 'fail')
  await expect(smolvm).toContainText('/nonexistent/bot-bottle-e2e/smolvm')
  await expect(smolvm.locator('.check-fix')).toContainText(/\S/)
  await expect(page.getByText(/problems? to fix before bottles can run/)).toBeVisible()
  await keepScreenshot(page, 'doctor-missing-smolvm')

  // Run again re-checks (the answer is the same: still missing).
  await page.getByRole('button', { name: 'Run again' }).click()
  await expect(page.getByRole('button', { name: 'Run again' })).toBeEnabled()
  await expect(smolvm).toHaveAttribute('data-status', 'fail')
  expect(consoleErrors).toEqual([])
})

test('an empty dashboard says what to do first, and the cache is empty', async ({
  page,
  backend,
  consoleErrors,
}) => {
  await page.goto(backend.url)
  await expect(page.getByText('No bottles yet')).toBeVisible()
  await keepScreenshot(page, 'empty-dashboard')
  await page.getByRole('link', { name: 'Cache' }).click()
  await expect(page.getByText('The cache is empty')).toBeVisible()
  await keepScreenshot(page, 'empty-cache')
  expect(consoleErrors).toEqual([])
})
