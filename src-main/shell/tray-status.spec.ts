import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeBottle } from './testing'
import {
  BUSY_FRAMES,
  countBottles,
  trayIconFile,
  trayStatus,
  trayTitle,
  trayTooltip,
  type TrayStatus,
} from './tray-status'

const RESOURCES = join(__dirname, '..', '..', 'resources')
const ok = { setup: 0, backendDown: false }
const counts = (...states: Parameters<typeof makeBottle>[0]['state'][]) =>
  countBottles(states.map((state, i) => makeBottle({ id: `b${i}`, state })))

describe('tray status', () => {
  it('is idle with nothing active, running with running bottles', () => {
    expect(trayStatus(counts(), ok)).toBe('idle')
    expect(trayStatus(counts('stopped'), ok)).toBe('idle')
    expect(trayStatus(counts('running', 'running', 'stopped'), ok)).toBe('running')
  })

  it('animates while anything launches or stops, even past an error', () => {
    expect(trayStatus(counts('running', 'launching'), ok)).toBe('busy')
    expect(trayStatus(counts('stopping'), ok)).toBe('busy')
    expect(trayStatus(counts('failed', 'launching'), ok)).toBe('busy')
  })

  it('shows an error for a failed bottle, failing checks or no backend', () => {
    expect(trayStatus(counts('running', 'failed'), ok)).toBe('error')
    expect(trayStatus(counts('running'), { setup: 1, backendDown: false })).toBe('error')
    expect(trayStatus(counts(), { setup: 0, backendDown: true })).toBe('error')
  })

  it('says the counts in the tooltip and the running count as the macOS title', () => {
    const c = counts('running', 'running', 'launching', 'failed')
    expect(trayTooltip(c, ok, null)).toBe('Bot Bottle — 2 running · 1 launching · 1 failed')
    expect(trayTooltip(counts(), { setup: 2, backendDown: false }, null)).toBe(
      'Bot Bottle — no bottles running · 2 setup problems',
    )
    expect(trayTooltip(c, ok, 'Stopping bottles… 1 of 3 done')).toBe(
      'Bot Bottle — Stopping bottles… 1 of 3 done',
    )
    expect(trayTooltip(c, { setup: 0, backendDown: true }, null)).toBe(
      'Bot Bottle — backend unavailable',
    )
    expect(trayTitle(c)).toBe('2')
    expect(trayTitle(counts('stopped'))).toBe('')
  })

  it('names an existing image, with its @2x, for every state, frame and platform', () => {
    const statuses: TrayStatus[] = ['idle', 'running', 'busy', 'error']
    const files = new Set<string>()
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      for (const dark of [true, false]) {
        for (const status of statuses) {
          for (let frame = 0; frame < BUSY_FRAMES + 1; frame++) {
            files.add(trayIconFile(status, frame, platform, dark))
          }
        }
      }
    }
    expect(files.size).toBe(4 * 7)
    for (const f of files) {
      expect(existsSync(join(RESOURCES, f)), f).toBe(true)
      expect(existsSync(join(RESOURCES, f.replace(/\.png$/, '@2x.png'))), f).toBe(true)
    }
  })

  it('uses template images on macOS and cycles the busy frames', () => {
    expect(trayIconFile('idle', 0, 'darwin', false)).toBe('tray/mac/bottle-idleTemplate.png')
    expect(trayIconFile('busy', 5, 'linux', false)).toBe('tray/linux/bottle-busy-1.png')
    expect(trayIconFile('error', 0, 'win32', true)).toBe('tray/win-dark/bottle-error.png')
    expect(trayIconFile('error', 0, 'win32', false)).toBe('tray/win-light/bottle-error.png')
  })
})
