import { chromium, type Page } from '@playwright/test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { AppInfo, Bottle, BottleState } from '../src-shared/contract'
import { nullLogger } from '../src-main/core/base/logger'
import { RpcServer, type TopicSink } from '../src-main/rpc/server'
import { startServe } from '../src-main/serve/serve-server'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test-support/prereqs'
import type { BenchContext, BenchFigure } from './types'

/**
 * Dashboard responsiveness with 100 bottles in the list: the time from a
 * `bottles.events` state change reaching the page (the WebSocket message) to
 * the changed row's badge in the DOM (MutationObserver), and to the next
 * frame after it (requestAnimationFrame, i.e. painted). Goal: p95 < 16 ms.
 *
 * Real transport and renderer: the built dashboard (out/renderer) served by
 * the serve-mode HTTP/WebSocket server, an in-process RpcServer whose
 * bottles.events handler is the harness (a snapshot of 100, then one upsert
 * at a time, each waited for before the next).
 */

const BOTTLES = 100
const WARMUP = 30
const SAMPLES = 400

interface Timing {
  /** The WebSocket message carrying the event, page clock. */
  t0: number
  /** The row's badge shows the new state. */
  t1: number
  /** The frame after that. */
  t2: number
}

interface BenchWindow {
  __bench: { armed: boolean; t0: number; done: Promise<Timing> | null }
  __snapshot: Promise<{ t0: number; t1: number }>
}

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const staticDir = join(ctx.root, 'out', 'renderer')
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error('out/renderer is missing: run `npm run build` first')
  }
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`)

  const bottles = Array.from({ length: BOTTLES }, (_, i) => fixtureBottle(i))
  const sinks = new Set<TopicSink<'bottles.events'>>()
  const rpc = new RpcServer({
    methods: { 'app.info': () => appInfo(ctx.tmpDir) },
    topics: {
      'bottles.events': (_params, sink) => {
        sink.emit({ kind: 'snapshot', bottles, orphans: [] })
        sinks.add(sink)
        return { dispose: () => sinks.delete(sink) }
      },
    },
    logger: nullLogger,
  })
  const serve = await startServe({ rpc, staticDir, logger: nullLogger })
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
    await page.addInitScript(instrument, BOTTLES)
    await page.goto(serve.url)
    const snap = await page.evaluate(() => (window as unknown as BenchWindow).__snapshot)
    ctx.log(`snapshot of ${BOTTLES} bottles rendered in ${(snap.t1 - snap.t0).toFixed(1)} ms`)

    const toDom: number[] = []
    const toFrame: number[] = []
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Spread the changes over the list; alternate states so each is a real change.
      const b = bottles[(i * 37) % BOTTLES]!
      const next: BottleState = b.state === 'running' ? 'stopping' : 'running'
      await arm(page, b.id, next)
      const changed = { ...b, state: next }
      bottles[bottles.indexOf(b)] = changed
      for (const sink of sinks) sink.emit({ kind: 'upsert', bottle: changed })
      const t = await page.evaluate(() => (window as unknown as BenchWindow).__bench.done!)
      if (i >= WARMUP) {
        toDom.push(t.t1 - t.t0)
        toFrame.push(t.t2 - t.t0)
      }
    }
    toDom.sort((a, b) => a - b)
    toFrame.sort((a, b) => a - b)
    const p = (xs: number[], q: number): number =>
      xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!
    ctx.log(
      `event → DOM p50 ${p(toDom, 0.5).toFixed(2)} p95 ${p(toDom, 0.95).toFixed(2)} p99 ${p(toDom, 0.99).toFixed(2)} ms; ` +
        `→ next frame p95 ${p(toFrame, 0.95).toFixed(2)} ms`,
    )
    const goal = p(toDom, 0.95)
    return [
      { name: 'state_event_to_dom_p50_ms', value: p(toDom, 0.5), unit: 'ms' },
      {
        name: 'state_event_to_dom_p95_ms',
        value: goal,
        unit: 'ms',
        goal: '< 16',
        pass: goal < 16,
        note: `${SAMPLES} events, ${BOTTLES} bottles listed`,
      },
      { name: 'state_event_to_dom_p99_ms', value: p(toDom, 0.99), unit: 'ms' },
      { name: 'state_event_to_frame_p50_ms', value: p(toFrame, 0.5), unit: 'ms' },
      { name: 'state_event_to_frame_p95_ms', value: p(toFrame, 0.95), unit: 'ms' },
      { name: 'state_event_to_frame_p99_ms', value: p(toFrame, 0.99), unit: 'ms' },
      { name: 'snapshot_100_to_dom_ms', value: snap.t1 - snap.t0, unit: 'ms' },
    ]
  } finally {
    await browser.close()
    rpc.dispose()
    await serve.close()
  }
}

/**
 * Runs in the page before its scripts: stamps WebSocket messages (the first
 * one after arming is the event), and times the first snapshot's rows.
 */
function instrument(count: number): void {
  const w = window as unknown as BenchWindow
  w.__bench = { armed: false, t0: 0, done: null }
  let snapshotAt = 0
  w.__snapshot = new Promise((resolve) => {
    const mo = new MutationObserver(() => {
      if (snapshotAt && document.querySelectorAll('[data-bottle-id]').length >= count) {
        mo.disconnect()
        resolve({ t0: snapshotAt, t1: performance.now() })
      }
    })
    mo.observe(document, { subtree: true, childList: true })
  })
  const Native = window.WebSocket
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols)
      // Registered before the app's onmessage, so it runs first.
      this.addEventListener('message', (e: MessageEvent) => {
        const b = w.__bench
        if (b.armed && !b.t0) b.t0 = performance.now()
        if (!snapshotAt && typeof e.data === 'string' && e.data.includes('"snapshot"')) {
          snapshotAt = performance.now()
        }
      })
    }
  }
}

/** Arms the page for one change: resolves `__bench.done` when the row shows `state`. */
async function arm(page: Page, id: string, state: string): Promise<void> {
  await page.evaluate(
    ([id, state]) => {
      const b = (window as unknown as BenchWindow).__bench
      const badge = (): Element | null =>
        document.querySelector(`[data-bottle-id="${id}"] [data-state]`)
      b.t0 = 0
      b.armed = true
      b.done = new Promise<Timing>((resolve) => {
        const mo = new MutationObserver(() => {
          if (badge()?.getAttribute('data-state') !== state) return
          const t1 = performance.now()
          mo.disconnect()
          b.armed = false
          requestAnimationFrame(() => resolve({ t0: b.t0, t1, t2: performance.now() }))
        })
        mo.observe(document.querySelector('[role="listbox"]')!, {
          subtree: true,
          attributes: true,
          childList: true,
          characterData: true,
        })
      })
    },
    [id, state] as const,
  )
}

function appInfo(dir: string): AppInfo {
  return {
    name: 'Bot Bottle',
    version: 'bench',
    mode: 'serve',
    platform: process.platform,
    arch: process.arch,
    configDir: dir,
    dataDir: dir,
    manifestPath: join(dir, 'manifest.yaml'),
  }
}

function fixtureBottle(i: number): Bottle {
  const id = `bench-${String(i).padStart(3, '0')}`
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()
  return {
    id,
    agent: i % 3 === 0 ? 'claude' : 'codex',
    projectDir: `/home/bench/projects/project-${i}`,
    copyWorkdir: false,
    machineName: `claude-bottle-${id}`,
    workdir: '/workspace',
    state: 'running',
    stateDetail: null,
    createdAt: at,
    startedAt: at,
    endedAt: null,
    network: {
      name: `claude-bottle-${id}`,
      subnet: `10.240.${i}.0/29`,
      gateway: `10.240.${i}.1`,
      bundleIp: `10.240.${i}.2`,
    },
    bundle: { container: `claude-bottle-${id}-bundle`, image: 'bot-bottle-bundle:bench' },
    pack: { imageRef: 'docker.io/library/node:22', digest: null, path: '/cache/node' },
    env: [],
    egress: ['api.anthropic.com'],
    smolvmVersion: null,
    steps: [],
    error: null,
  }
}
