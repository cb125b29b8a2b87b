import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findActions, type MenuEntry, type TrayAction } from '../src-main/shell/tray-menu'
import {
  TEST_HOOKS_ENV,
  TEST_HOOKS_GLOBAL,
  type ShellTestHooks,
} from '../src-main/shell/test-hooks'
import { need } from '../test-support/prereqs'
import { electronBinary, NO_ELECTRON } from './electron-binary'

// The menu-bar shell in the real Electron app, on the fake smolvm and the
// local bundle image (`npm run build:test-images`). Trays and notifications
// cannot be clicked or read from outside, so the app runs with the shell's
// test hooks (BOT_BOTTLE_TEST_HOOKS=1) and the spec reads them in the main
// process. Subnet pool of this file: 10.213.176.0/24.
const ROOT = join(__dirname, '..')
const POOL = '10.213.176.0/24'
const binary = electronBinary()

// test-tools/fake-smolvm/harness.ts and core/bottles/testing.ts are ES modules
// Playwright cannot load from a spec, hence these few lines of their own.
/** An agent that needs no registry: the fake smolvm runs its commands on the host. */
const MANIFEST = `version: 1
agents:
  tester:
    image: localhost:49151/bot-bottle/test-agent:1
    memory: 512
    egress: [api.example.com]
    session: [sh, -l]
`

/** Removes, through the CLI on the same home, any bottle the app left behind. */
function removeLeftovers(env: NodeJS.ProcessEnv): void {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin', 'bot-bottle.js'), ...args], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    })
  const ls = cli('ls', '--json')
  const ids = ls.status === 0 ? (JSON.parse(ls.stdout) as { id: string }[]).map((b) => b.id) : []
  if (ids.length) cli('rm', ...ids)
}

/** Calls one of the shell's test hooks in the main process. */
function hook<K extends keyof ShellTestHooks>(
  app: ElectronApplication,
  name: K,
  ...args: Parameters<ShellTestHooks[K]>
): Promise<Awaited<ReturnType<ShellTestHooks[K]>>> {
  return app.evaluate(
    (_electron, [global, fn, fnArgs]) => {
      const hooks = (globalThis as Record<string, unknown>)[global] as Record<
        string,
        (...a: unknown[]) => unknown
      >
      return hooks[fn]!(...fnArgs)
    },
    [TEST_HOOKS_GLOBAL, name, args] as [string, string, unknown[]],
  ) as Promise<Awaited<ReturnType<ShellTestHooks[K]>>>
}

const labels = (entries: MenuEntry[]): string[] =>
  entries.map((e) => (e.kind === 'separator' ? '---' : e.label))
/** The stop (or cancel) action of every bottle in the menu. */
const stopActions = (menu: MenuEntry[]): TrayAction[] =>
  findActions(menu, (a) => a.type === 'stop' || a.type === 'cancel').map((x) => x.action)
const submenu = (entries: MenuEntry[], label: string): MenuEntry[] => {
  const e = entries.find((x) => x.kind === 'submenu' && x.label === label)
  return e?.kind === 'submenu' ? e.entries : []
}

test.describe('menu-bar shell (Electron)', () => {
  test.skip(!binary, NO_ELECTRON)
  test.describe.configure({ mode: 'serial' })

  let app: ElectronApplication
  let home: string
  let env: NodeJS.ProcessEnv
  let projectDir: string

  test.beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'bb-electron-'))
    projectDir = join(home, 'project')
    await mkdir(projectDir, { recursive: true })
    await mkdir(join(home, 'config'), { recursive: true })
    await writeFile(join(home, 'config', 'manifest.yaml'), MANIFEST)
    env = {
      ...process.env,
      // The fake smolvm keeps its state under HOME and the XDG dirs.
      HOME: join(home, 'fake-home'),
      XDG_DATA_HOME: join(home, 'fake-home', 'data'),
      XDG_CACHE_HOME: join(home, 'fake-home', 'cache'),
      BOT_BOTTLE_HOME: home,
      BOT_BOTTLE_SMOLVM: join(ROOT, 'out', 'test-tools', 'fake-smolvm'),
      BOT_BOTTLE_BUNDLE_IMAGE: 'bot-bottle-bundle:test',
      BOT_BOTTLE_SUBNET_POOL: POOL,
      [TEST_HOOKS_ENV]: '1',
    }
    app = await electron.launch({
      executablePath: binary!,
      args: [ROOT],
      env: Object.fromEntries(
        Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    })
    await expect.poll(() => app.evaluate((_e, g) => g in globalThis, TEST_HOOKS_GLOBAL)).toBe(true)
  })

  test.afterAll(async () => {
    if (app) {
      // Stop what the test launched, so nothing outlives it, then quit.
      const menu = await hook(app, 'trayMenu').catch(() => [] as MenuEntry[])
      for (const a of stopActions(menu)) await hook(app, 'dispatch', a).catch(() => {})
      await app.close()
    }
    if (env) removeLeftovers(env)
    if (home) await rm(home, { recursive: true, force: true })
  })

  test('opens the dashboard and shows an idle tray with the manifest’s agents', async () => {
    const win = await app.firstWindow()
    await expect(win.getByRole('status', { name: 'Connection' })).toHaveText('Connected')
    await expect
      .poll(async () => labels(submenu(await hook(app, 'trayMenu'), 'New Bottle')))
      .toEqual(['tester'])
    const menu = await hook(app, 'trayMenu')
    expect(labels(menu)).toContain('Quit Bot Bottle')
    expect(labels(menu)).toContain('No bottles running')
    expect((await hook(app, 'trayIcon')).status).toMatch(/idle|error/)

    await hook(app, 'dispatch', { type: 'open-dashboard', route: { view: 'doctor' } })
    await expect.poll(() => hook(app, 'dashboardUrl')).toMatch(/#\/doctor$/)
    // Closing hides the window: the app keeps running in the tray.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close())
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
  })

  test('launches a bottle from the tray and notifies its teardown', async () => {
    test.skip(!need('docker'), 'docker is not available')
    test.setTimeout(180_000)
    await hook(app, 'dispatch', { type: 'launch', agent: 'tester', projectDir })
    await expect
      .poll(async () => labels(await hook(app, 'trayMenu')).find((l) => l.startsWith('● tester')), {
        timeout: 120_000,
      })
      .toMatch(/^● tester · .*project · running/)
    expect((await hook(app, 'trayIcon')).status).toBe('running')

    for (const a of stopActions(await hook(app, 'trayMenu'))) await hook(app, 'dispatch', a)
    await expect
      .poll(async () => (await hook(app, 'notifications')).map((n) => n.title), { timeout: 60_000 })
      .toContain('Bottle stopped')
    const n = (await hook(app, 'notifications')).find((x) => x.title === 'Bottle stopped')!
    expect(n.body).toMatch(/^tester · .*project · /)
    expect(n.route.view).toBe('bottle')
  })
})
