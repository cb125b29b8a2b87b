import { describe, expect, it } from 'vitest'
import type { Bottle } from '../../src-shared/contract'
import { makeBottle, makeSession, makeStep } from './testing'
import {
  buildTrayMenu,
  findActions,
  MAX_BOTTLE_ENTRIES,
  type MenuEntry,
  type TrayAction,
  type TrayMenuInput,
} from './tray-menu'

const NOW = Date.parse('2025-01-01T10:42:00.000Z') // bottles start at 10:00

function input(p: Partial<TrayMenuInput> = {}): TrayMenuInput {
  return {
    platform: 'darwin',
    home: '/home/me',
    now: NOW,
    connected: true,
    bottles: [],
    sessions: [],
    manifest: { valid: true, agents: ['claude', 'codex'] },
    settings: { notifications: true, startAtLogin: false, recentProjects: ['/home/me/code/app'] },
    setupProblems: 0,
    quitProgress: null,
    ...p,
  }
}

const labels = (entries: readonly MenuEntry[]): string[] =>
  entries.map((e) => (e.kind === 'separator' ? '---' : e.label))

const submenu = (entries: readonly MenuEntry[], label: string | RegExp): MenuEntry[] => {
  const e = entries.find(
    (x) =>
      x.kind === 'submenu' && (typeof label === 'string' ? x.label === label : label.test(x.label)),
  )
  if (!e || e.kind !== 'submenu') throw new Error(`no submenu ${label}`)
  return e.entries
}

const actionOf = (entries: readonly MenuEntry[], label: string): TrayAction => {
  const e = entries.find((x) => (x.kind === 'action' || x.kind === 'checkbox') && x.label === label)
  if (!e || (e.kind !== 'action' && e.kind !== 'checkbox')) throw new Error(`no item ${label}`)
  return e.action
}

describe('tray menu: idle', () => {
  const menu = buildTrayMenu(input())

  it('has a header, new bottle, dashboard, doctor, settings and quit', () => {
    expect(labels(menu)).toEqual([
      'No bottles running',
      '---',
      'New Bottle',
      'Open Dashboard',
      'Doctor…',
      '---',
      'Notifications',
      'Start at Login',
      '---',
      'Quit Bot Bottle',
    ])
    expect(menu[0]).toEqual({ kind: 'label', label: 'No bottles running' })
    expect(actionOf(menu, 'Doctor…')).toEqual({ type: 'open-dashboard', route: { view: 'doctor' } })
    expect(actionOf(menu, 'Quit Bot Bottle')).toEqual({ type: 'quit' })
  })

  it('lists the manifest’s agents, each with recent folders, a picker and the full form', () => {
    const agents = submenu(menu, 'New Bottle')
    expect(labels(agents)).toEqual(['claude', 'codex'])
    const claude = submenu(agents, 'claude')
    expect(labels(claude)).toEqual(['~/code/app', '---', 'Choose Folder…', 'More Options…'])
    expect(actionOf(claude, '~/code/app')).toEqual({
      type: 'launch',
      agent: 'claude',
      projectDir: '/home/me/code/app',
    })
    expect(actionOf(claude, 'Choose Folder…')).toEqual({ type: 'choose-folder', agent: 'claude' })
    expect(actionOf(claude, 'More Options…')).toEqual({
      type: 'open-dashboard',
      route: { view: 'new', agent: 'claude' },
    })
  })

  it('says when there are no recent folders, no agents, or the manifest is broken', () => {
    const noRecent = buildTrayMenu(
      input({ settings: { notifications: true, startAtLogin: false, recentProjects: [] } }),
    )
    expect(labels(submenu(submenu(noRecent, 'New Bottle'), 'claude'))[0]).toBe('No recent folders')
    const none = buildTrayMenu(input({ manifest: { valid: true, agents: [] } }))
    expect(labels(submenu(none, 'New Bottle'))).toEqual([
      'No agents in the manifest',
      'Open Dashboard',
    ])
    const broken = buildTrayMenu(input({ manifest: { valid: false, agents: [] } }))
    expect(labels(submenu(broken, 'New Bottle'))[0]).toBe('The manifest has errors')
    const loading = buildTrayMenu(input({ manifest: null }))
    expect(labels(submenu(loading, 'New Bottle'))).toEqual(['Loading agents…'])
  })

  it('toggles settings with checkboxes that carry the new value', () => {
    const n = menu.find((e) => e.kind === 'checkbox' && e.label === 'Notifications')
    expect(n).toMatchObject({
      checked: true,
      action: { type: 'set-setting', key: 'notifications', value: false },
    })
    const s = menu.find((e) => e.kind === 'checkbox' && e.label === 'Start at Login')
    expect(s).toMatchObject({
      checked: false,
      action: { type: 'set-setting', key: 'startAtLogin', value: true },
    })
  })
})

describe('tray menu: bottles', () => {
  const running = makeBottle({ id: 'run-1', projectDir: '/home/me/code/app' })
  const launching = makeBottle({
    id: 'launch-1',
    state: 'launching',
    createdAt: '2025-01-01T10:40:00.000Z',
    steps: [
      makeStep({ id: 'pack', label: 'Prepare image', state: 'done' }),
      makeStep({ id: 'bundle', label: 'Start bundle' }),
    ],
  })

  it('shows agent · folder · state · uptime, with counts in the header', () => {
    const menu = buildTrayMenu(input({ bottles: [running] }))
    expect(labels(menu).slice(0, 2)).toEqual([
      '1 running',
      '● claude · ~/code/app · running · 42 min',
    ])
  })

  it('offers terminal, sessions, dashboard, stop and remove for a running bottle', () => {
    const items = submenu(buildTrayMenu(input({ bottles: [running] })), /run|app/)
    expect(labels(items)).toEqual([
      'Open Terminal',
      'New Shell Session',
      'Start Agent Session',
      'Open in Dashboard',
      '---',
      'Stop',
      'Remove…',
    ])
    expect(actionOf(items, 'Open Terminal')).toEqual({
      type: 'open-dashboard',
      route: { view: 'bottle', id: 'run-1', tab: 'terminal' },
    })
    expect(actionOf(items, 'New Shell Session')).toEqual({
      type: 'open-session',
      bottleId: 'run-1',
      kind: 'shell',
    })
    expect(actionOf(items, 'Open in Dashboard')).toEqual({
      type: 'open-dashboard',
      route: { view: 'bottle', id: 'run-1' },
    })
    expect(actionOf(items, 'Stop')).toEqual({ type: 'stop', bottleId: 'run-1' })
    expect(actionOf(items, 'Remove…')).toEqual({ type: 'remove', bottleId: 'run-1' })
  })

  it('offers to start the agent only when its session is not running', () => {
    const sessions = [makeSession({ id: 's1', bottleId: 'run-1', kind: 'agent' })]
    const items = submenu(buildTrayMenu(input({ bottles: [running], sessions })), /app/)
    expect(labels(items)).not.toContain('Start Agent Session')
    const exited = [makeSession({ id: 's1', bottleId: 'run-1', kind: 'agent', state: 'exited' })]
    const again = submenu(buildTrayMenu(input({ bottles: [running], sessions: exited })), /app/)
    expect(labels(again)).toContain('Start Agent Session')
  })

  it('shows a launch’s current step and offers to cancel it', () => {
    const menu = buildTrayMenu(input({ bottles: [launching] }))
    expect(labels(menu).slice(0, 2)).toEqual([
      '1 launching',
      '◐ claude · ~/code/launch-1 · launching · Start bundle',
    ])
    const items = submenu(menu, /launch-1/)
    expect(labels(items)).toEqual(['Open in Dashboard', '---', 'Cancel Launch'])
    expect(actionOf(items, 'Cancel Launch')).toEqual({ type: 'cancel', bottleId: 'launch-1' })
  })

  it('offers retry and remove for a failed bottle, and lists failures first', () => {
    const failed = makeBottle({
      id: 'bad-1',
      state: 'failed',
      createdAt: '2024-12-01T00:00:00.000Z',
    })
    const stopped = makeBottle({ id: 'old-1', state: 'stopped' })
    const menu = buildTrayMenu(input({ bottles: [stopped, running, failed, launching] }))
    expect(labels(menu).slice(0, 5)).toEqual([
      '1 running · 1 launching · 1 failed',
      '✕ claude · ~/code/bad-1 · failed',
      '◐ claude · ~/code/launch-1 · launching · Start bundle',
      '● claude · ~/code/app · running · 42 min',
      '○ claude · ~/code/old-1 · stopped',
    ])
    expect(labels(submenu(menu, /bad-1/))).toEqual([
      'Open in Dashboard',
      '---',
      'Retry Launch',
      'Remove',
    ])
    expect(labels(submenu(menu, /old-1/))).toEqual(['Open in Dashboard', '---', 'Remove'])
  })

  it('shows a stopping bottle without actions that would race its teardown', () => {
    const menu = buildTrayMenu(input({ bottles: [makeBottle({ id: 'st', state: 'stopping' })] }))
    const items = submenu(menu, /stopping/)
    expect(labels(items)).toEqual(['Open in Dashboard', '---', 'Stopping…'])
    expect(items[2]).toEqual({ kind: 'label', label: 'Stopping…' })
  })

  it('keeps 50 bottles to a readable menu, the rest under More Bottles', () => {
    const bottles: Bottle[] = Array.from({ length: 50 }, (_, i) =>
      makeBottle({
        id: `b-${i}`,
        state: i % 10 === 0 ? 'failed' : i % 3 === 0 ? 'stopped' : 'running',
        createdAt: new Date(Date.parse('2025-01-01T00:00:00Z') + i * 60_000).toISOString(),
      }),
    )
    const menu = buildTrayMenu(input({ bottles }))
    const rows = menu.filter((e) => e.kind === 'submenu' && /^[●○✕◐◌] /.test(e.label))
    expect(rows).toHaveLength(MAX_BOTTLE_ENTRIES)
    // All five failures make the cut, newest first.
    expect(
      labels(rows)
        .slice(0, 5)
        .every((l) => l.startsWith('✕')),
    ).toBe(true)
    expect(labels(rows)[0]).toContain('b-40')
    expect(labels(menu)[MAX_BOTTLE_ENTRIES + 1]).toBe(`More Bottles (${50 - MAX_BOTTLE_ENTRIES})`)
    const more = submenu(menu, /^More Bottles/)
    expect(more).toHaveLength(50 - MAX_BOTTLE_ENTRIES)
    // Same rows, same per-bottle entries, continuing the order of the top level.
    expect(more.every((e) => e.kind === 'submenu' && /^[●○] /.test(e.label))).toBe(true)
    // Oldest stopped bottle last.
    const last = bottles.find((b) => b.id === 'b-3')!
    const alone = buildTrayMenu(input({ bottles: [last] }))
    expect(more.at(-1)).toEqual(alone.find((e) => e.kind === 'submenu' && e.label.includes('b-3')))
    expect(menu[0]).toEqual({ kind: 'label', label: '30 running · 5 failed' })
  })

  it('lets every bottle be stopped or removed from the tray, however many there are', () => {
    const bottles = Array.from({ length: 40 }, (_, i) =>
      makeBottle({ id: `r-${i}`, state: i % 2 ? 'running' : 'stopped' }),
    )
    const menu = buildTrayMenu(input({ bottles }))
    const ids = (type: TrayAction['type']) =>
      new Set(
        findActions(menu, (a) => a.type === type).map((x) =>
          'bottleId' in x.action ? x.action.bottleId : '',
        ),
      )
    expect(ids('stop')).toEqual(
      new Set(bottles.filter((b) => b.state === 'running').map((b) => b.id)),
    )
    expect(ids('remove')).toEqual(new Set(bottles.map((b) => b.id)))
  })

  it('needs no More Bottles submenu up to the limit', () => {
    const bottles = Array.from({ length: MAX_BOTTLE_ENTRIES }, (_, i) =>
      makeBottle({ id: `n-${i}` }),
    )
    expect(labels(buildTrayMenu(input({ bottles }))).some((l) => l.startsWith('More'))).toBe(false)
  })

  it('truncates long agent names and paths', () => {
    const long = makeBottle({
      id: 'long',
      agent: 'a-very-long-agent-name-indeed-xx',
      projectDir: '/home/me/work/clients/acme-corporation/monorepo/packages/billing-service-api',
    })
    const row = labels(buildTrayMenu(input({ bottles: [long] })))[1]!
    expect(row).toBe('● a-very-long-age… · ~/…/packages/billing-service-api · running · 42 min')
    expect(
      findActions(buildTrayMenu(input({ bottles: [long] })), (a) => a.type === 'stop'),
    ).toHaveLength(1)
  })
})

describe('tray menu: problems and quitting', () => {
  it('points at the doctor when preflight checks fail', () => {
    const menu = buildTrayMenu(input({ setupProblems: 2 }))
    expect(labels(menu)[1]).toBe('⚠ 2 setup problems — Open Doctor…')
    expect(actionOf(menu, '⚠ 2 setup problems — Open Doctor…')).toEqual({
      type: 'open-dashboard',
      route: { view: 'doctor' },
    })
  })

  it('offers only the dashboard, doctor and quit without a backend', () => {
    const menu = buildTrayMenu(input({ connected: false, bottles: [makeBottle({ id: 'x' })] }))
    expect(labels(menu)).toEqual([
      'Backend unavailable',
      '---',
      'Open Dashboard',
      'Doctor…',
      '---',
      'Quit Bot Bottle',
    ])
  })

  it('shows only the progress while quitting', () => {
    const menu = buildTrayMenu(
      input({ quitProgress: 'Stopping bottles… 1 of 3 done', bottles: [makeBottle({ id: 'x' })] }),
    )
    expect(labels(menu)).toEqual(['Stopping bottles… 1 of 3 done', '---', 'Open Dashboard'])
    expect(findActions(menu, (a) => a.type === 'quit' || a.type === 'stop')).toEqual([])
  })
})

describe('tray menu: Linux and Windows vs macOS', () => {
  const bottles = [makeBottle({ id: 'rd', projectDir: '/home/me/R&D/app' })]

  it('puts Open Dashboard first where a click on the icon may do nothing', () => {
    for (const platform of ['linux', 'win32'] as const) {
      const menu = buildTrayMenu(input({ platform, bottles }))
      expect(labels(menu).slice(0, 3)).toEqual(['Open Dashboard', '---', '1 running'])
      expect(labels(menu).filter((l) => l === 'Open Dashboard')).toHaveLength(1)
    }
    expect(labels(buildTrayMenu(input({ bottles })))[0]).toBe('1 running')
  })

  it('reaches every action from the menu on Linux', () => {
    const menu = buildTrayMenu(input({ platform: 'linux', bottles }))
    const types = new Set(findActions(menu, () => true).map((a) => a.action.type))
    expect([...types].sort()).toEqual(
      [
        'choose-folder',
        'launch',
        'open-dashboard',
        'open-session',
        'quit',
        'remove',
        'set-setting',
        'stop',
      ].sort(),
    )
  })

  it('escapes & (a mnemonic marker) on Linux and Windows only', () => {
    expect(labels(buildTrayMenu(input({ platform: 'linux', bottles })))[3]).toBe(
      '● claude · ~/R&&D/app · running · 42 min',
    )
    expect(labels(buildTrayMenu(input({ platform: 'darwin', bottles })))[1]).toBe(
      '● claude · ~/R&D/app · running · 42 min',
    )
  })
})
