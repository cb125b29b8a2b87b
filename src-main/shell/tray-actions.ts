import type { RpcClient } from '../../src-shared/rpc/client'
import { isActive } from './bottle-mirror'
import type { DashboardRoute } from './dashboard-routes'
import { removeQuestion, type ShellDialog } from './dialogs'
import type { ShellState } from './shell-store'
import type { TrayAction } from './tray-menu'

/** What the tray's actions need from the desktop (Electron in the app, fakes in tests). */
export interface ShellHost {
  openDashboard(route: DashboardRoute): void
  pickFolder(defaultPath: string): Promise<string | null>
  ask<A extends string>(dialog: ShellDialog<A>): Promise<A>
  showError(title: string, message: string): void
  quit(): void
}

export interface TrayActionContext {
  client: RpcClient
  state: () => ShellState
  host: ShellHost
  home: string
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e))

/**
 * Performs one tray action through the contract. Failures are shown to the
 * user (a tray has nowhere else to say so); a launch that is refused opens
 * the launch form with the same agent and folder, to fix and retry.
 */
export async function runTrayAction(action: TrayAction, ctx: TrayActionContext): Promise<void> {
  const { client, host } = ctx
  switch (action.type) {
    case 'open-dashboard':
      host.openDashboard(action.route)
      return
    case 'quit':
      host.quit()
      return
    case 'open-session':
      try {
        const session = await client.call('sessions.open', {
          bottleId: action.bottleId,
          kind: action.kind,
        })
        host.openDashboard({
          view: 'bottle',
          id: action.bottleId,
          tab: 'terminal',
          session: session.id,
        })
      } catch (e) {
        host.showError('Could not open a session', message(e))
      }
      return
    case 'stop':
    case 'cancel':
    case 'retry': {
      const method = `bottles.${action.type}` as const
      try {
        await client.call(method, { id: action.bottleId })
      } catch (e) {
        host.showError(`Could not ${action.type} the bottle`, message(e))
      }
      return
    }
    case 'remove': {
      const bottle = ctx.state().bottles.find((b) => b.id === action.bottleId)
      if (
        bottle &&
        isActive(bottle) &&
        (await host.ask(removeQuestion(bottle, ctx.home))) !== 'remove'
      ) {
        return
      }
      try {
        await client.call('bottles.remove', { id: action.bottleId })
      } catch (e) {
        host.showError('Could not remove the bottle', message(e))
      }
      return
    }
    case 'choose-folder': {
      const recent = ctx.state().settings?.recentProjects[0]
      const dir = await host.pickFolder(recent ?? ctx.home)
      if (dir) await launch(action.agent, dir, ctx)
      return
    }
    case 'launch':
      await launch(action.agent, action.projectDir, ctx)
      return
    case 'set-setting':
      try {
        await client.call('settings.update', { [action.key]: action.value })
      } catch (e) {
        host.showError('Could not change the setting', message(e))
      }
      return
  }
}

async function launch(agent: string, projectDir: string, ctx: TrayActionContext): Promise<void> {
  try {
    await ctx.client.call('bottles.launch', { agent, projectDir })
  } catch (e) {
    ctx.host.openDashboard({ view: 'new', agent, dir: projectDir })
    ctx.host.showError('Could not launch the bottle', message(e))
  }
}
