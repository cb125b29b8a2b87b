import { cleanup, render, type RenderResult } from '@testing-library/react'
import type { ReactElement } from 'react'
import { useBottles } from '../stores/bottles-store'
import { useCache } from '../stores/cache-store'
import { useConnection } from '../stores/connection-store'
import { useDoctor } from '../stores/doctor-store'
import { useManifest } from '../stores/manifest-store'
import { useNotices } from '../stores/notices-store'
import { useRoute } from '../stores/route-store'
import { useSessions } from '../stores/sessions-store'
import { useSettings } from '../stores/settings-store'
import { startStores } from '../stores/start'
import { FakeBackend } from './fake-backend'
import { SETTINGS, makeManifest } from './factories'

interface Resettable {
  getInitialState(): unknown
  setState(state: never, replace: true): void
}

const STORES: Resettable[] = [
  useBottles,
  useCache,
  useConnection,
  useDoctor,
  useManifest,
  useNotices,
  useRoute,
  useSessions,
  useSettings,
]

/** A fake backend answering what every page needs (info, settings, manifest, empty lists). */
export function baseBackend(): FakeBackend {
  return new FakeBackend()
    .method('app.info', () => ({
      name: 'Bot Bottle',
      version: '0.1.0',
      mode: 'serve',
      platform: 'linux',
      arch: 'x64',
      configDir: '/c',
      dataDir: '/d',
      manifestPath: '/c/manifest.yaml',
    }))
    .method('manifest.get', () => makeManifest())
    .topic('settings.changed', (_p, sink) => sink.emit(SETTINGS))
    .topic('bottles.events', (_p, sink) =>
      sink.emit({ kind: 'snapshot', bottles: [], orphans: [] }),
    )
    .topic('sessions.events', (_p, sink) => sink.emit({ kind: 'snapshot', sessions: [] }))
}

export interface Mounted extends RenderResult {
  fake: FakeBackend
}

let stopStores: (() => void) | null = null

/** Starts the stores on `fake` at `hash`, connects, and renders `ui`. Call `unmountAll` after. */
export function mount(ui: ReactElement, fake: FakeBackend, hash = '#/'): Mounted {
  window.history.replaceState(null, '', hash)
  stopStores = startStores(fake)
  fake.connect()
  return { fake, ...render(ui) }
}

export function unmountAll(): void {
  cleanup()
  stopStores?.()
  stopStores = null
  for (const s of STORES) s.setState(s.getInitialState() as never, true)
  document.documentElement.removeAttribute('data-theme')
}

/** Lets queued RPC messages (microtasks, timers) flow. */
export function flush(ms = 10): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
