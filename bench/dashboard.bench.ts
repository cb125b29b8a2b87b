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
 * Dashboard responsiveness with 100 bottles in the list: from a
 * `bottles.events` state change reaching the page (t0, the WebSocket message)
 * to the rendered change. Goal: p95 < 16 ms, one frame.
 *
 * Stamps per event: t1, the changed row's badge is in the DOM
 * (MutationObserver); the frame that paints it: its start (the
 * requestAnimationFrame timestamp, the display refresh it belongs to) and t2,
 * its rendering done (a message posted from its requestAnimationFrame runs once
 * the frame's style, layout and paint are). Figures:
 * - event → painted, wall clock (t2 − t0): what the eye sees; it includes the
 *   wait for the display's next refresh, up to 16.7 ms at 60 Hz whatever the
 *   page does (information);
 * - event → painted, less that wait (t2 − t0 − idle, idle being the time the
 *   change sat in the DOM before its frame began): the page's own time to a
 *   rendered change, judged against the goal;
 * - event → DOM (t1 − t0), information.
 *
 * Real transport and renderer: the built dashboard (out/renderer) served by
 * the serve-mode HTTP/WebSocket server, an in-process RpcServer whose
 * bottles.events handler is the harness (a snapshot of 100 running bottles,
 * then one upsert at a time, each waited for before the next: a bottle goes
 * stopping, then running again, through the list).
 */

const BOTTLES = 100
const WARMUP = 30
const SAMPLES = 400

interface Timing {
  /** The WebSocket message carrying the event, page clock. */
  t0: number
  /** The row's badge shows the new state (DOM). */
  t1: number
  /** The start of the frame that paints it (its requestAnimationFrame timestamp). */
  frame: number
  /** That frame's rendering is done. */
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
    const toPaint: number[] = []
    const toPaintLessWait: number[] = []
    for (let i = 0; i < WARMUP + SAMPLES; i++) {
      // Pairs over the list: a bottle goes stopping, then running again (one transition at a time, as in use).
      const b = bottles[(Math.floor(i / 2) * 37) % BOTTLES]!
      const next: BottleState = b.state === 'running' ? 'stopping' : 'running'
      await arm(page, b.id, next)
      const changed = { ...b, state: next }
      bottles[bottles.indexOf(b)] = changed
      for (const sink of sinks) sink.emit({ kind: 'upsert', bottle: changed })
      const t = await page.evaluate(() => (window as unknown as BenchWindow).__bench.done!)
      if (i >= WARMUP) {
        toDom.push(t.t1 - t.t0)
        toPaint.push(t.t2 - t.t0)
        toPaintLessWait.push(t.t2 - t.t0 - Math.max(0, t.frame - t.t1))
      }
    }
    const p = quantile
    const paint = 'WebSocket message → the frame painting the changed badge, wall clock'
    const own = `${paint}, less the wait for that frame to begin (the display refresh)`
    const dom = 'WebSocket message → the changed badge in the DOM, before layout and paint'
    ctx.log(
      `event → painted p50 ${p(toPaint, 0.5).toFixed(2)} p95 ${p(toPaint, 0.95).toFixed(2)} ms; ` +
        `less the refresh wait p50 ${p(toPaintLessWait, 0.5).toFixed(2)} p95 ${p(toPaintLessWait, 0.95).toFixed(2)} ms; ` +
        `→ DOM p95 ${p(toDom, 0.95).toFixed(2)} ms`,
    )
    const judged = p(toPaintLessWait, 0.95)
    return [
      {
        name: 'state_to_paint_own_p95_ms',
        value: judged,
        unit: 'ms',
        goal: '< 16',
        pass: judged < 16,
        note: `${own}; ${SAMPLES} events, ${BOTTLES} bottles listed`,
      },
      {
        name: 'state_to_paint_own_p50_ms',
        value: p(toPaintLessWait, 0.5),
        unit: 'ms',
        note: own,
      },
      { name: 'state_to_paint_wall_p50_ms', value: p(toPaint, 0.5), unit: 'ms', note: paint },
      {
        name: 'state_to_paint_wall_p95_ms',
        value: p(toPaint, 0.95),
        unit: 'ms',
        note: `${paint}; includes up to one refresh interval (16.7 ms at 60 Hz) of waiting`,
      },
      { name: 'state_to_paint_wall_p99_ms', value: p(toPaint, 0.99), unit: 'ms', note: paint },
      { name: 'state_to_dom_p50_ms', value: p(toDom, 0.5), unit: 'ms', note: dom },
      { name: 'state_to_dom_p95_ms', value: p(toDom, 0.95), unit: 'ms', note: dom },
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
          // rAF runs before the frame's style, layout and paint; a message posted from it is
          // handled once that frame is done.
          requestAnimationFrame((frame) => {
            const ch = new MessageChannel()
            ch.port1.onmessage = () => resolve({ t0: b.t0, t1, frame, t2: performance.now() })
            ch.port2.postMessage(null)
          })
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

/** The q-quantile (nearest rank) of a sample. */
function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
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
