import type {
  Bottle,
  BottleState,
  SessionInfo,
  SessionKind,
  Settings,
} from '../../src-shared/contract'
import type { DashboardRoute } from './dashboard-routes'
import { elapsedSince, formatDuration, shortenPath, truncateEnd } from './display-text'
import { countBottles, countsText } from './tray-status'

/** Everything a tray menu item can do; the adapter maps each to RPC calls or windows. */
export type TrayAction =
  | { type: 'open-dashboard'; route: DashboardRoute }
  | { type: 'open-session'; bottleId: string; kind: SessionKind }
  | { type: 'stop'; bottleId: string }
  | { type: 'cancel'; bottleId: string }
  | { type: 'retry'; bottleId: string }
  | { type: 'remove'; bottleId: string }
  | { type: 'launch'; agent: string; projectDir: string }
  | { type: 'choose-folder'; agent: string }
  | { type: 'set-setting'; key: 'notifications' | 'startAtLogin'; value: boolean }
  | { type: 'quit' }

/** The menu as data: what Menu.buildFromTemplate receives, minus the callbacks. */
export type MenuEntry =
  | { kind: 'action'; label: string; action: TrayAction }
  | { kind: 'checkbox'; label: string; checked: boolean; action: TrayAction }
  | { kind: 'label'; label: string }
  | { kind: 'submenu'; label: string; entries: MenuEntry[] }
  | { kind: 'separator' }

export interface TrayMenuInput {
  platform: NodeJS.Platform
  home: string
  now: number
  /** False until the in-process RPC client has its first snapshot, or after it lost it. */
  connected: boolean
  bottles: readonly Bottle[]
  sessions: readonly SessionInfo[]
  /** Agent names from the manifest; null until loaded. */
  manifest: { valid: boolean; agents: readonly string[] } | null
  settings: Pick<Settings, 'notifications' | 'startAtLogin' | 'recentProjects'> | null
  /** Failing preflight checks. */
  setupProblems: number
  /** Set while quitting: the menu shows only this progress. */
  quitProgress: string | null
}

/** Bottles listed at the top level; the rest go in a "More Bottles" submenu. */
export const MAX_BOTTLE_ENTRIES = 12
const MAX_RECENT_FOLDERS = 8
const AGENT_CHARS = 16
const FOLDER_CHARS = 32

const GLYPH: Record<BottleState, string> = {
  running: '●',
  launching: '◐',
  stopping: '◌',
  failed: '✕',
  stopped: '○',
}
const ORDER: Record<BottleState, number> = {
  failed: 0,
  launching: 1,
  stopping: 2,
  running: 3,
  stopped: 4,
}

/**
 * Windows and Linux read `&` in a label as a mnemonic marker: a folder named
 * "R&D" must be written "R&&D" there. macOS shows labels as they are.
 */
function label(text: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? text : text.replace(/&/g, '&&')
}

const action = (text: string, a: TrayAction, platform: NodeJS.Platform): MenuEntry => ({
  kind: 'action',
  label: label(text, platform),
  action: a,
})
const info = (text: string, platform: NodeJS.Platform): MenuEntry => ({
  kind: 'label',
  label: label(text, platform),
})
const SEPARATOR: MenuEntry = { kind: 'separator' }
const openAt = (route: DashboardRoute): TrayAction => ({ type: 'open-dashboard', route })
/** A setting's checkbox; clicking it sets the opposite value. */
const toggle = (
  text: string,
  key: 'notifications' | 'startAtLogin',
  checked: boolean,
): MenuEntry => ({
  kind: 'checkbox',
  label: text,
  checked,
  action: { type: 'set-setting', key, value: !checked },
})

/** Failed and in-progress bottles first, then running, then stopped; newest first within. */
function sortBottles(bottles: readonly Bottle[]): Bottle[] {
  return [...bottles].sort(
    (a, b) =>
      ORDER[a.state] - ORDER[b.state] ||
      (Date.parse(b.createdAt) || 0) - (Date.parse(a.createdAt) || 0) ||
      a.id.localeCompare(b.id),
  )
}

function stateText(b: Bottle, now: number): string {
  switch (b.state) {
    case 'running': {
      const up = elapsedSince(b.startedAt ?? b.createdAt, now)
      return up === null ? 'running' : `running · ${formatDuration(up)}`
    }
    case 'launching': {
      const step = b.steps.find((s) => s.state === 'running')
      return step ? `launching · ${step.label}` : 'launching'
    }
    case 'stopping':
      return 'stopping…'
    case 'stopped':
      return 'stopped'
    case 'failed':
      return 'failed'
  }
}

/** "● claude · ~/code/app · running · 12 min" */
function bottleLabel(b: Bottle, home: string, now: number): string {
  const agent = truncateEnd(b.agent, AGENT_CHARS)
  const folder = shortenPath(b.projectDir, home, FOLDER_CHARS)
  return `${GLYPH[b.state]} ${agent} · ${folder} · ${stateText(b, now)}`
}

function bottleEntries(
  b: Bottle,
  sessions: readonly SessionInfo[],
  p: NodeJS.Platform,
): MenuEntry[] {
  const id = b.id
  const details = action('Open in Dashboard', openAt({ view: 'bottle', id }), p)
  switch (b.state) {
    case 'running': {
      const agentRunning = sessions.some(
        (s) => s.bottleId === id && s.kind === 'agent' && s.state === 'running',
      )
      return [
        action('Open Terminal', openAt({ view: 'bottle', id, tab: 'terminal' }), p),
        action('New Shell Session', { type: 'open-session', bottleId: id, kind: 'shell' }, p),
        ...(agentRunning
          ? []
          : [
              action(
                'Start Agent Session',
                { type: 'open-session', bottleId: id, kind: 'agent' },
                p,
              ),
            ]),
        details,
        SEPARATOR,
        action('Stop', { type: 'stop', bottleId: id }, p),
        action('Remove…', { type: 'remove', bottleId: id }, p),
      ]
    }
    case 'launching':
      return [details, SEPARATOR, action('Cancel Launch', { type: 'cancel', bottleId: id }, p)]
    case 'stopping':
      return [details, SEPARATOR, info('Stopping…', p)]
    case 'failed':
      return [
        details,
        SEPARATOR,
        action('Retry Launch', { type: 'retry', bottleId: id }, p),
        action('Remove', { type: 'remove', bottleId: id }, p),
      ]
    case 'stopped':
      return [details, SEPARATOR, action('Remove', { type: 'remove', bottleId: id }, p)]
  }
}

function newBottleEntries(input: TrayMenuInput): MenuEntry[] {
  const p = input.platform
  const m = input.manifest
  if (!m) return [info('Loading agents…', p)]
  if (m.agents.length === 0) {
    return [
      info(m.valid ? 'No agents in the manifest' : 'The manifest has errors', p),
      action('Open Dashboard', openAt({ view: 'home' }), p),
    ]
  }
  const recent = (input.settings?.recentProjects ?? []).slice(0, MAX_RECENT_FOLDERS)
  return m.agents.map((agent) => ({
    kind: 'submenu' as const,
    label: label(truncateEnd(agent, AGENT_CHARS * 2), p),
    entries: [
      ...(recent.length
        ? recent.map((dir) =>
            action(shortenPath(dir, input.home, 48), { type: 'launch', agent, projectDir: dir }, p),
          )
        : [info('No recent folders', p)]),
      SEPARATOR,
      action('Choose Folder…', { type: 'choose-folder', agent }, p),
      action('More Options…', openAt({ view: 'new', agent }), p),
    ],
  }))
}

/**
 * The tray menu, a pure function of the backend state, rebuilt on every
 * change. Every action is in it (on Linux a click on the icon may do nothing,
 * so "Open Dashboard" comes first there).
 */
export function buildTrayMenu(input: TrayMenuInput): MenuEntry[] {
  const p = input.platform
  const openDashboard = action('Open Dashboard', openAt({ view: 'home' }), p)
  const doctor = action('Doctor…', openAt({ view: 'doctor' }), p)
  const quit = action('Quit Bot Bottle', { type: 'quit' }, p)

  if (input.quitProgress) return [info(input.quitProgress, p), SEPARATOR, openDashboard]
  if (!input.connected) {
    return [info('Backend unavailable', p), SEPARATOR, openDashboard, doctor, SEPARATOR, quit]
  }

  const status: MenuEntry[] = [
    info(countsText(countBottles(input.bottles)) ?? 'No bottles running', p),
  ]
  if (input.setupProblems > 0) {
    const n = input.setupProblems
    status.push(
      action(
        `⚠ ${n} setup problem${n === 1 ? '' : 's'} — Open Doctor…`,
        openAt({ view: 'doctor' }),
        p,
      ),
    )
  }

  const sorted = sortBottles(input.bottles)
  const row = (b: Bottle): MenuEntry => ({
    kind: 'submenu',
    label: label(bottleLabel(b, input.home, input.now), p),
    entries: bottleEntries(b, input.sessions, p),
  })
  const bottles = sorted.slice(0, MAX_BOTTLE_ENTRIES).map(row)
  // Every bottle stays reachable (stop, remove) from the tray, the rest one level down.
  const overflow = sorted.slice(MAX_BOTTLE_ENTRIES)
  if (overflow.length > 0) {
    bottles.push({
      kind: 'submenu',
      label: `More Bottles (${overflow.length})`,
      entries: overflow.map(row),
    })
  }

  const newBottle: MenuEntry = {
    kind: 'submenu',
    label: 'New Bottle',
    entries: newBottleEntries(input),
  }
  const settings: MenuEntry[] = input.settings
    ? [
        SEPARATOR,
        toggle('Notifications', 'notifications', input.settings.notifications),
        toggle('Start at Login', 'startAtLogin', input.settings.startAtLogin),
      ]
    : []

  const head = p === 'darwin' ? [] : [openDashboard, SEPARATOR]
  const tools = p === 'darwin' ? [newBottle, openDashboard, doctor] : [newBottle, doctor]
  return [...head, ...status, ...bottles, SEPARATOR, ...tools, ...settings, SEPARATOR, quit]
}

/** The items whose action satisfies `pick`, depth first (tests and the e2e spec). */
export function findActions(
  entries: readonly MenuEntry[],
  pick: (a: TrayAction, label: string) => boolean,
): { label: string; action: TrayAction }[] {
  const out: { label: string; action: TrayAction }[] = []
  for (const e of entries) {
    if (e.kind === 'submenu') out.push(...findActions(e.entries, pick))
    else if ((e.kind === 'action' || e.kind === 'checkbox') && pick(e.action, e.label)) {
      out.push({ label: e.label, action: e.action })
    }
  }
  return out
}
