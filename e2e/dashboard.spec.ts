import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Page } from '@playwright/test'
import type { TerminalProbe } from '../src-renderer/src/terminal/e2e-probe'
import { requireChromium } from './fixtures'
import {
  SHELL_MANIFEST,
  connectionStatus,
  controlFakeSmolvm,
  dashboardTest,
  expect,
  keepScreenshot,
  prepareImages,
  projectDir,
  writeManifest,
} from './dashboard-env'

/**
 * The dashboard against the real serve backend (fake smolvm, real docker):
 * launch from the dialog, the boot timeline, a terminal (and F6 out of it),
 * logs, the cache, stop (it leaves the list); an injected launch failure and
 * its retry; a refused manifest edit; the popover-sized layout. Subnet pool
 * 10.236.0.0/16.
 */
const test = dashboardTest()

requireChromium()

test.beforeAll(async ({ backend }) => {
  test.setTimeout(600_000) // the first build of the test images
  await prepareImages()
  await writeManifest(backend.home)
})

/** The bottle's row in the sidebar list. */
const row = (page: Page, id: string) => page.locator(`[role="listbox"] [data-bottle-id="${id}"]`)

async function bottleIdFromUrl(page: Page): Promise<string> {
  await expect(page).toHaveURL(/#\/bottles\/[a-z0-9-]+/)
  return /#\/bottles\/([a-z0-9-]+)/.exec(page.url())![1]!
}

/**
 * Stop on a running bottle: after the confirmation it is torn down and leaves
 * the list. Resolves to the states its row showed meanwhile.
 */
async function stopBottle(page: Page, id: string): Promise<string[]> {
  await page.goto(`${page.url().split('#')[0]}#/bottles/${id}`)
  await expect(row(page, id).locator('[data-state]')).toHaveAttribute('data-state', 'running')
  // Every state the row's badge shows, however briefly.
  await page.evaluate((id) => {
    const w = window as unknown as { __rowStates: string[] }
    w.__rowStates = []
    const badge = (): string | null | undefined =>
      document.querySelector(`[data-bottle-id="${id}"] [data-state]`)?.getAttribute('data-state')
    new MutationObserver(() => {
      const state = badge()
      if (state && w.__rowStates.at(-1) !== state) w.__rowStates.push(state)
    }).observe(document.body, { subtree: true, childList: true, attributes: true })
  }, id)
  await page.getByRole('button', { name: 'Stop…' }).click()
  const confirm = page.getByRole('dialog', { name: 'Stop and remove this bottle?' })
  await confirm.getByRole('button', { name: 'Stop and remove' }).click()
  await expect(row(page, id)).toHaveCount(0, { timeout: 60_000 })
  await expect(page).toHaveURL(/#\/$/)
  return page.evaluate(() => (window as unknown as { __rowStates: string[] }).__rowStates)
}

test('launch from the dialog, follow the boot, use the terminal and logs, stop it and see it leave', async ({
  page,
  backend,
  fakeHome,
  consoleErrors,
}) => {
  test.setTimeout(180_000)
  const project = await projectDir(fakeHome, 'e2e-launch')
  await page.goto(backend.url)
  await expect(connectionStatus(page)).toHaveText('Connected')
  await expect(page.getByText('No bottles yet')).toBeVisible()

  await page.getByRole('link', { name: '+ New bottle' }).click()
  const dialog = page.getByRole('dialog', { name: 'New bottle' })
  await expect(dialog.getByLabel('Agent', { exact: true })).toHaveValue('shell')
  // The folder field completes from the backend's file system.
  const folder = dialog.getByRole('combobox', { name: 'Project folder' })
  await folder.fill(`${dirname(project)}/${basename(project).slice(0, 6)}`)
  await dialog.getByRole('option', { name: new RegExp(basename(project)) }).waitFor()
  await folder.press('ArrowDown')
  await folder.press('Enter')
  await expect(folder).toHaveValue(project)
  await keepScreenshot(page, '1-new-bottle-dialog')
  await dialog.getByRole('button', { name: 'Launch', exact: true }).click()

  // Launched from here: the terminal opens once the bottle is running.
  await expect(page).toHaveURL(/\/terminal$/, { timeout: 90_000 })
  const id = await bottleIdFromUrl(page)
  await expect(row(page, id).locator('[data-state]')).toHaveAttribute('data-state', 'running')
  await expect(row(page, id)).toContainText(basename(project))

  // The boot timeline: every step ended well.
  await page.getByRole('tab', { name: 'Overview' }).click()
  const steps = page.getByRole('region', { name: 'Boot timeline' }).locator('[data-step]')
  await expect(steps).toHaveCount(8)
  for (const state of await steps.evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-state')),
  )) {
    expect(['done', 'skipped']).toContain(state)
  }
  const bootLabel = await page.locator('[data-step="start"] .step-label').innerText()
  await keepScreenshot(page, '2-timeline')

  // Logs: the backend's lines about this bottle, filtered and highlighted.
  await page.getByRole('tab', { name: 'Logs' }).click()
  await page.getByRole('tab', { name: 'Backend' }).click()
  const backendLog = page.getByRole('log', { name: 'Backend log' })
  await expect(backendLog).toContainText(bootLabel)
  await page.getByLabel('Filter Backend log').fill(bootLabel)
  await expect(backendLog.locator('mark').first()).toHaveText(bootLabel)
  await expect(page.getByText(/\d+ of \d+ lines/)).toBeVisible()
  await keepScreenshot(page, '3-logs')
  await page.getByRole('tab', { name: 'Bundle' }).click()
  await expect(page.getByRole('log', { name: 'Bundle log' })).toBeVisible()

  // Info: where it runs, and its allowlist, changed in place (a refused rule is named on its row).
  await page.getByRole('tab', { name: 'Info' }).click()
  await expect(page.getByText(`claude-bottle-${id}-bundle`)).toBeVisible()
  await expect(page.getByRole('textbox', { name: 'Rule 1' })).toHaveValue('example.com')
  await page.getByRole('button', { name: 'Add rule' }).click()
  const rule2 = page.getByRole('textbox', { name: 'Rule 2' })
  await rule2.fill('not a host!')
  await page.getByRole('button', { name: 'Apply' }).click()
  await expect(rule2).toHaveAttribute('aria-invalid', 'true')
  await keepScreenshot(page, '4-info-refused-rule')
  await rule2.fill('*.example.org')
  await page.getByRole('button', { name: 'Apply' }).click()
  await expect(rule2).not.toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByRole('button', { name: 'Apply' })).toBeDisabled()
  await keepScreenshot(page, '4-info')

  // Copy a file in, then back out.
  const copyFile = async (direction: RegExp, host: string, guest: string): Promise<void> => {
    await page.getByRole('button', { name: 'Copy file…' }).click()
    const copy = page.getByRole('dialog', { name: 'Copy a file' })
    await copy.getByRole('radio', { name: direction }).check()
    await copy.getByRole('combobox').fill(host)
    await copy.getByLabel(/in the bottle/).fill(guest)
    await copy.getByRole('button', { name: 'Copy', exact: true }).click()
    await expect(copy.getByText(/^Copied \d+ B\.$/)).toBeVisible()
    await copy.getByRole('button', { name: 'Done' }).click()
  }
  await copyFile(/^Into the bottle/, `${project}/README.md`, '/root/readme-copy.md')
  await copyFile(/^Out of the bottle/, `${project}/README.back.md`, '/root/readme-copy.md')
  expect(await readFile(`${project}/README.back.md`, 'utf8')).toBe('# e2e-launch\n')

  // The pack cache knows the image, and that this bottle uses it.
  await page.getByRole('link', { name: 'Cache' }).click()
  const entry = page.getByRole('row').filter({ hasText: 'docker.io/library/alpine:3.20' })
  await expect(entry).toContainText('in use by a bottle')
  await keepScreenshot(page, '5-cache')

  // The terminal: open the agent session (a shell here) if none is open, type, read the output.
  await row(page, id).click()
  await page.getByRole('tab', { name: 'Terminal' }).click()
  if ((await page.locator('[data-session-id] [role="tab"]').count()) === 0) {
    await page.getByRole('button', { name: 'New session' }).click()
  }
  const terminal = page.getByTestId('terminal')
  await expect(terminal).toBeVisible()
  await terminal.click()
  await page.keyboard.type('echo $((6*7))-from-e2e\n')
  await page.waitForFunction(
    () =>
      [...(window.__botBottleTerminals?.values() ?? [])].some((p: TerminalProbe) =>
        p.text().includes('42-from-e2e'),
      ),
    undefined,
    { timeout: 30_000 },
  )
  await keepScreenshot(page, '6-terminal')

  // F6 takes the focus from the terminal to its tab and back; the shell never sees the key
  // (cat -v would print it as ^[[17~).
  await page.keyboard.type('cat -v\n')
  await page.keyboard.press('F6')
  const sessionTab = page.locator('[data-session-id] [role="tab"][aria-selected="true"]')
  await expect(sessionTab).toBeFocused()
  await page.keyboard.press('ArrowRight') // one session: stays on it
  await expect(sessionTab).toBeFocused()
  await page.keyboard.press('F6')
  await expect(page.locator('.xterm-helper-textarea')).toBeFocused()
  await page.keyboard.type('after-f6\n')
  await page.keyboard.press('Control+D')
  const screenText = async (): Promise<string> =>
    page.evaluate(() =>
      [...(window.__botBottleTerminals?.values() ?? [])].map((p) => p.text()).join('\n'),
    )
  // Echoed by the tty, then printed by cat.
  await expect.poll(async () => (await screenText()).split('after-f6').length - 1).toBe(2)
  expect(await screenText()).not.toContain('[17~')

  // Egress: a request for a host the allowlist does not name is denied, and the decision shows up live.
  await page.keyboard.type(
    'p=${HTTPS_PROXY#http://}; exec 3<>/dev/tcp/${p%:*}/${p##*:}; ' +
      "printf 'CONNECT denied.example.net:443 HTTP/1.1\\r\\nHost: denied.example.net:443\\r\\n\\r\\n' >&3; " +
      'head -n1 <&3; exec 3<&-\n',
  )
  await page.getByRole('tab', { name: 'Logs' }).click()
  await page.getByRole('tab', { name: 'Egress' }).click()
  const egressLog = page.getByRole('log', { name: 'Egress log' })
  await expect(egressLog).toContainText('denied.example.net:443', { timeout: 30_000 })
  await expect(egressLog.locator('.logline-deny').first()).toContainText('DENY')
  await keepScreenshot(page, '6-egress-log')

  // Stop: after the confirmation the row shows stopping, then leaves the list.
  const seen = await stopBottle(page, id)
  expect(seen).toContain('stopping')
  await keepScreenshot(page, '7-stopped')
  await expect(page.getByText('No bottles yet')).toBeVisible()
  expect(consoleErrors).toEqual([])
})

test('a failed launch keeps the failed step’s stderr in view, and retry recovers', async ({
  page,
  backend,
  fakeHome,
  consoleErrors,
}) => {
  test.setTimeout(180_000)
  const project = await projectDir(fakeHome, 'e2e-failure')
  await controlFakeSmolvm(fakeHome, {
    fail: {
      'machine.start': { message: 'injected: the hypervisor is busy', exitCode: 3, times: 1 },
    },
  })
  try {
    // A folder that does not exist is refused on the field itself.
    await page.goto(
      `${backend.url}#/new?agent=shell&dir=${encodeURIComponent(`${project}-missing`)}`,
    )
    const dialog = page.getByRole('dialog', { name: 'New bottle' })
    const folder = dialog.getByRole('combobox', { name: 'Project folder' })
    await expect(folder).toHaveValue(`${project}-missing`)
    await dialog.getByRole('button', { name: 'Launch', exact: true }).click()
    await expect(folder).toHaveAttribute('aria-invalid', 'true')
    await expect(dialog).toContainText('is not a folder')
    await keepScreenshot(page, 'refused-folder')
    await folder.fill(project)
    await dialog.getByRole('button', { name: 'Launch', exact: true }).click()
    const id = await bottleIdFromUrl(page)

    const failed = page.locator('[data-step="start"]')
    await expect(failed).toHaveAttribute('data-state', 'failed', { timeout: 90_000 })
    await expect(failed.getByLabel('Standard error')).toContainText(
      'injected: the hypervisor is busy',
    )
    await expect(failed).toContainText('machine start')
    await expect(failed).toContainText('Exit code 3')
    await expect(row(page, id).locator('[data-state]')).toHaveAttribute('data-state', 'failed')
    await keepScreenshot(page, 'failed-launch')

    // The failure was injected once: a retry (same bottle, same parameters) boots.
    await failed.getByRole('button', { name: 'Retry launch' }).click()
    await expect(row(page, id).locator('[data-state]')).toHaveAttribute('data-state', 'running', {
      timeout: 90_000,
    })
    await page.getByRole('tab', { name: 'Overview' }).click()
    await expect(page.locator('[data-step="start"]')).toHaveAttribute('data-state', 'done')
    await keepScreenshot(page, 'retried-launch')
    await stopBottle(page, id)
  } finally {
    await controlFakeSmolvm(fakeHome, {})
  }
  expect(consoleErrors).toEqual([])
})

test('an invalid manifest edit cannot be saved; the field and line are named', async ({
  page,
  backend,
  consoleErrors,
}) => {
  const path = await writeManifest(backend.home)
  await page.goto(`${backend.url}#/settings`)
  const editor = page.getByLabel('Manifest text')
  await expect(editor).toHaveValue(SHELL_MANIFEST)
  const broken = SHELL_MANIFEST.replace(
    'workdir: /workspace',
    'workdir: /workspace\n    cpus: lots',
  )
  await editor.fill(broken)
  // Validated as typed (debounced): the issue names the field and its line.
  const issues = page.getByRole('list', { name: 'Manifest issues' })
  await expect(issues).toContainText('agents.shell.cpus')
  await expect(issues).toContainText('line 9')
  const save = page.getByRole('button', { name: 'Save manifest' })
  await expect(save).toBeDisabled()
  await expect(save).toHaveAttribute('title', 'Fix the issues first')
  await keepScreenshot(page, 'manifest-refused')
  expect(await readFile(path, 'utf8')).toBe(SHELL_MANIFEST)

  // A valid edit saves.
  const better = SHELL_MANIFEST.replace('workdir: /workspace', 'workdir: /workspace\n    cpus: 1')
  await editor.fill(better)
  await expect(page.getByText('✓ Valid')).toBeVisible()
  await page.getByRole('button', { name: 'Save manifest' }).click()
  await expect(page.getByText('· Saved')).toBeVisible()
  expect(await readFile(path, 'utf8')).toBe(better)
  await writeManifest(backend.home)
  expect(consoleErrors).toEqual([])
})

test('at menu-bar popover size the list and the bottle take turns', async ({
  page,
  backend,
  fakeHome,
  consoleErrors,
}) => {
  test.setTimeout(120_000)
  await page.setViewportSize({ width: 380, height: 520 })
  const project = await projectDir(fakeHome, 'e2e-popover')
  await page.goto(`${backend.url}#/new?agent=shell&dir=${encodeURIComponent(project)}`)
  await keepScreenshot(page, 'popover-new')
  await page
    .getByRole('dialog', { name: 'New bottle' })
    .getByRole('button', { name: 'Launch', exact: true })
    .click()
  const id = await bottleIdFromUrl(page)
  await expect(page.getByRole('listbox', { name: 'Bottles' })).toBeHidden()
  await expect(page.locator('.detail-header [data-state]')).toHaveAttribute(
    'data-state',
    'running',
    { timeout: 90_000 },
  )
  await keepScreenshot(page, 'popover-bottle')
  await page.getByRole('link', { name: '‹ Bottles' }).click()
  await expect(page.getByRole('listbox', { name: 'Bottles' })).toBeVisible()
  await keepScreenshot(page, 'popover-list')
  // Keyboard: Enter on the focused row opens it.
  await row(page, id).focus()
  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp(`#/bottles/${id}$`))

  // Its terminal: the tabs keep to one line and the actions stay in the window.
  await page.goto(`${backend.url}#/bottles/${id}/terminal`)
  const tab = page.locator('.terminal-tab [role="tab"]').first()
  await expect(tab).toBeVisible({ timeout: 30_000 })
  const inWindow = async (selector: string): Promise<boolean> =>
    page.evaluate(
      (sel) =>
        [...document.querySelectorAll(sel)].every(
          (e) => e.getBoundingClientRect().right <= window.innerWidth,
        ),
      selector,
    )
  const lineHeight = await tab.evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 20)
  expect((await tab.boundingBox())!.height).toBeLessThan(lineHeight * 2)
  expect(await inWindow('.terminal-actions button')).toBe(true)
  await keepScreenshot(page, 'popover-terminal')
  // The pack cache: Prune is reachable without scrolling sideways.
  await page.goto(`${backend.url}#/cache`)
  const prune = page.getByRole('button', { name: /^Prune/ }).first()
  await expect(prune).toBeVisible()
  expect(await inWindow('button')).toBe(true)
  await keepScreenshot(page, 'popover-cache')
  await page.goto(`${backend.url}#/bottles/${id}`)
  await stopBottle(page, id)
  expect(consoleErrors).toEqual([])
})
