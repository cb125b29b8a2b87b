import type { Page } from '@playwright/test'
import WebSocket from 'ws'
import { RpcClient } from '../src-shared/rpc/client'
import { wsTransport } from '../src-main/serve/ws-transport'
import { FNV_OFFSET, fnv1a } from '../src-renderer/src/terminal/checksum'
import type { TerminalProbe } from '../src-renderer/src/terminal/e2e-probe'
import { requireChromium } from './fixtures'
import {
  dashboardTest,
  expect,
  keepScreenshot,
  prepareImages,
  projectDir,
  writeManifest,
} from './dashboard-env'

/**
 * The terminal in the dashboard against the real serve backend (fake smolvm
 * exec under node-pty, real docker bundle): a 20 MB stream reaches xterm
 * complete and in order, a reload reattaches to the last screen, and a
 * resize reaches the guest's pty. Subnet pool 10.237.0.0/24.
 */
const test = dashboardTest({ BOT_BOTTLE_SUBNET_POOL: '10.237.0.0/24' })

requireChromium()

const LINE = 'the quick brown fox jumps over the lazy dog 0123456789 ~!@#'
const LINES = Math.ceil(20e6 / (LINE.length + 2))
/** What the guest's tty makes of it: \n → \r\n. */
const STREAM_CHARS = LINES * (LINE.length + 2)

let rpc: RpcClient
let bottleId: string

test.beforeAll(async ({ backend, fakeHome }) => {
  test.setTimeout(600_000) // the first build of the test images
  await prepareImages()
  await writeManifest(backend.home)
  const ws = new WebSocket(`${backend.origin.replace(/^http/, 'ws')}/rpc?token=${backend.token}`)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  rpc = new RpcClient(wsTransport(ws))
  const bottle = await rpc.call('bottles.launch', {
    agent: 'shell',
    projectDir: await projectDir(fakeHome, 'e2e-terminal'),
  })
  bottleId = bottle.id
  await expect
    .poll(async () => (await rpc.call('bottles.get', { id: bottleId })).state, { timeout: 120_000 })
    .toBe('running')
})

test.afterAll(async () => {
  if (bottleId) await rpc.call('bottles.remove', { id: bottleId }).catch(() => {})
  rpc?.dispose()
})

/** Opens a session over the RPC and shows it in the bottle's terminal tab. */
async function showSession(page: Page, url: string, kind: 'agent' | 'shell'): Promise<string> {
  const { id } = await rpc.call('sessions.open', { bottleId, kind })
  // The DOM renderer, asked for: what these tests read does not depend on the machine's GPU.
  await page.goto(`${url.split('#')[0]}&renderer=dom#/bottles/${bottleId}/terminal`)
  await page.locator(`[data-session-id="${id}"] [role="tab"]`).click()
  await expect(page.locator('[data-testid="terminal"]:visible')).toHaveAttribute(
    'data-renderer',
    'dom',
  )
  await waitProbe(page, id, (p) => p.snapshots > 0 && p.text.trim().length > 0)
  await settled(page, id) // the shell's prompt is all there
  await page.getByTestId('terminal').click()
  return id
}

type ProbeState = Omit<TerminalProbe, 'text'> & { text: string }

async function probe(page: Page, sessionId: string): Promise<ProbeState> {
  return page.evaluate((id) => {
    const p = window.__botBottleTerminals?.get(id)
    if (!p) throw new Error(`no terminal for session ${id}`)
    const { checksum, bytesWritten, snapshots, lastWriteAt, cols, rows } = p
    return { checksum, bytesWritten, snapshots, lastWriteAt, cols, rows, text: p.text() }
  }, sessionId)
}

async function waitProbe(
  page: Page,
  sessionId: string,
  ok: (p: ProbeState) => boolean,
  timeout = 30_000,
): Promise<ProbeState> {
  let last: ProbeState | undefined
  await expect
    .poll(
      async () => {
        last = await probe(page, sessionId).catch(() => undefined)
        return last !== undefined && ok(last)
      },
      { timeout, intervals: [100] },
    )
    .toBe(true)
  return last!
}

/** Output has stopped: the byte count holds still for a while. */
async function settled(page: Page, sessionId: string): Promise<ProbeState> {
  let before = await probe(page, sessionId)
  for (;;) {
    await page.waitForTimeout(400)
    const now = await probe(page, sessionId)
    if (now.bytesWritten === before.bytesWritten) return now
    before = now
  }
}

test('a 20 MB stream reaches xterm complete and in order, and a reload shows the last screen', async ({
  page,
  backend,
  consoleErrors,
}) => {
  test.setTimeout(300_000)
  const sessionId = await showSession(page, backend.url, 'agent')
  // Echo off and wait for a line: nothing but the stream itself comes after it.
  await page.keyboard.type(
    `stty -echo; read go; yes '${LINE}' | head -n ${LINES}; stty echo; sleep 300\n`,
  )
  const start = await settled(page, sessionId)
  await page.keyboard.press('Enter')
  const end = await waitProbe(
    page,
    sessionId,
    (p) => p.bytesWritten >= start.bytesWritten + STREAM_CHARS,
    240_000,
  )
  let expected = start.checksum
  for (let i = 0; i < LINES; i++) expected = fnv1a(`${LINE}\r\n`, expected)
  expect(end.bytesWritten - start.bytesWritten).toBe(STREAM_CHARS)
  expect(end.checksum).toBe(expected)
  expect(end.checksum).not.toBe(FNV_OFFSET)
  expect(end.text).toContain(LINE)
  await keepScreenshot(page, 'terminal-stream')

  // Back to the prompt, leave a mark, reload: the reattached pane starts from the last screen.
  await page.keyboard.press('Control+C')
  await page.keyboard.type('echo RELOAD-$((40+2))-MARK\n')
  await waitProbe(page, sessionId, (p) => p.text.includes('RELOAD-42-MARK'))
  await page.reload()
  await page.locator(`[data-session-id="${sessionId}"] [role="tab"]`).click()
  const after = await waitProbe(
    page,
    sessionId,
    (p) => p.snapshots === 1 && p.text.includes('RELOAD-42-MARK'),
  )
  expect(after.bytesWritten).toBe(0) // it came from the snapshot, not a replay
  expect(after.text).toContain(LINE)
  await keepScreenshot(page, 'terminal-reattached')
  expect(consoleErrors).toEqual([])
})

test('a resize of the pane reaches the guest’s pty', async ({ page, backend }) => {
  const sessionId = await showSession(page, backend.url, 'shell')
  for (const viewport of [
    { width: 1000, height: 620 },
    { width: 1280, height: 800 },
  ]) {
    const before = await probe(page, sessionId)
    await page.setViewportSize(viewport)
    const sized = await waitProbe(
      page,
      sessionId,
      (p) => p.cols !== before.cols || p.rows !== before.rows,
    )
    await page.keyboard.type('stty size\n')
    await waitProbe(page, sessionId, (p) => p.text.includes(`${sized.rows} ${sized.cols}`))
  }
  await keepScreenshot(page, 'terminal-resized')

  // Ctrl+F: the find bar, which the shell never sees.
  const before = await probe(page, sessionId)
  await page.keyboard.press('Control+F')
  const find = page.getByLabel('Find in terminal')
  await find.fill('stty')
  await expect(find).not.toHaveClass(/terminal-find-missing/)
  await find.fill('no-such-text-anywhere')
  await expect(find).toHaveClass(/terminal-find-missing/)
  await find.press('Escape')
  await expect(find).toHaveCount(0)
  expect((await probe(page, sessionId)).bytesWritten).toBe(before.bytesWritten)
})

test('a flood stops at Ctrl-C, and a full-screen program comes back at its size after a reload', async ({
  page,
  backend,
  consoleErrors,
}) => {
  test.setTimeout(120_000)
  const sessionId = await showSession(page, backend.url, 'shell')
  const start = await probe(page, sessionId)
  await page.keyboard.type('yes FLOODING\n')
  await waitProbe(page, sessionId, (p) => p.bytesWritten > start.bytesWritten + 2_000_000)
  await page.keyboard.press('Control+C')
  await page.keyboard.type('echo BACK-$((40+2))\n')
  await waitProbe(page, sessionId, (p) => p.text.includes('BACK-42'))

  // Alternate screen, drawn at the pty's size, held until a key.
  await page.keyboard.type(
    `printf '\\033[?1049h\\033[2J\\033[HFULLSCREEN %s END' "$(stty size)"; read x; printf '\\033[?1049l'\n`,
  )
  const full = await waitProbe(page, sessionId, (p) => /FULLSCREEN \d+ \d+ END/.test(p.text))
  expect(full.text).toContain(`FULLSCREEN ${full.rows} ${full.cols} END`)
  expect(full.text).not.toContain('BACK-42') // the alternate screen is what shows
  await keepScreenshot(page, 'terminal-fullscreen')

  await page.reload()
  await page.locator(`[data-session-id="${sessionId}"] [role="tab"]`).click()
  const back = await waitProbe(
    page,
    sessionId,
    (p) => p.snapshots === 1 && p.text.includes('FULLSCREEN'),
  )
  expect(back.text).toContain(`FULLSCREEN ${full.rows} ${full.cols} END`)
  expect(back.text).not.toContain('BACK-42')
  expect([back.cols, back.rows]).toEqual([full.cols, full.rows])
  await keepScreenshot(page, 'terminal-fullscreen-reattached')

  // The program ends: the normal screen, scrollback and all, is back.
  await page.getByTestId('terminal').click()
  await page.keyboard.press('Enter')
  await waitProbe(
    page,
    sessionId,
    (p) => p.text.includes('BACK-42') && !/FULLSCREEN \d+ \d+ END/.test(p.text),
  )
  expect(consoleErrors).toEqual([])
})
