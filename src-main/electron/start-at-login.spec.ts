import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { nullLogger } from '../core/base/logger'
import { autostartPath, HIDDEN_ARG, startAtLoginPlan } from '../shell/autostart'

import { applyStartAtLogin } from './start-at-login'

const { setLoginItemSettings } = vi.hoisted(() => ({ setLoginItemSettings: vi.fn() }))
vi.mock('electron', () => ({ app: { setLoginItemSettings } }))

const homes: string[] = []
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true })
})

describe('start at login (adapter)', () => {
  it('writes and removes the autostart file in a temp HOME', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bb-autostart-'))
    homes.push(home)
    const file = autostartPath({ HOME: home })
    const plan = (enabled: boolean) =>
      startAtLoginPlan({
        platform: 'linux',
        isPackaged: true,
        enabled,
        command: { file: '/opt/Bot Bottle/bot-bottle', args: [HIDDEN_ARG] },
        autostartFile: file,
      })
    await applyStartAtLogin(plan(true), nullLogger)
    expect(file).toBe(join(home, '.config', 'autostart', 'bot-bottle.desktop'))
    expect(readFileSync(file, 'utf8')).toContain('Exec="/opt/Bot Bottle/bot-bottle" --hidden\n')
    expect(statSync(file).mode & 0o777).toBe(0o644)
    await applyStartAtLogin(plan(true), nullLogger) // idempotent
    await applyStartAtLogin(plan(false), nullLogger)
    expect(existsSync(file)).toBe(false)
    await applyStartAtLogin(plan(false), nullLogger) // nothing to remove: fine
    expect(setLoginItemSettings).not.toHaveBeenCalled()
  })

  it('hands login items to Electron', async () => {
    await applyStartAtLogin({ kind: 'login-item', settings: { openAtLogin: true } }, nullLogger)
    expect(setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true })
  })
})
