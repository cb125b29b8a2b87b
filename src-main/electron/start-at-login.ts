import { app } from 'electron'
import { rm } from 'node:fs/promises'
import { writeFileAtomic } from '../core/base/atomic-write'
import type { Logger } from '../core/base/logger'
import type { StartAtLoginPlan } from '../shell/autostart'

/**
 * Applies a start-at-login plan (shell/autostart.ts): a login item through
 * Electron, or the XDG autostart file written or removed.
 */
export async function applyStartAtLogin(plan: StartAtLoginPlan, log: Logger): Promise<void> {
  switch (plan.kind) {
    case 'login-item':
      app.setLoginItemSettings(plan.settings)
      return
    case 'desktop-file':
      if (plan.content === null) await rm(plan.path, { force: true })
      else await writeFileAtomic(plan.path, plan.content, 0o644)
      return
    case 'unsupported':
      log.info(`start at login: ${plan.reason}`)
      return
  }
}
