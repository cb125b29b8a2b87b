import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as nodePty from 'node-pty'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Bottle } from '../../src-shared/contract'
import { RpcClient } from '../../src-shared/rpc/client'
import { RpcError } from '../../src-shared/rpc/errors'
import { createMemoryTransportPair } from '../../src-shared/rpc/memory-transport'
import { buildCli } from '../../test-support/build-cli'
import { need } from '../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from '../core/bottles/testing'
import { connectLocalEndpoint } from '../local/local-client'
import { parseArgs } from './args'
import { attachCommand, joinAgentSession } from './attach'
import type { CliIO } from './command'
import { serveCommand } from './serve'

describe('attachCommand', () => {
  it('explains a bottle that is not running', async () => {
    const errors: string[] = []
    const code = await attachCommand({
      bottleId: 'demo',
      sessionCommand: async () => {
        throw new RpcError('PRECONDITION', 'bottle demo is not running')
      },
      err: (t) => errors.push(t),
      stdin: { isTTY: true, setRawMode: () => {} },
    })
    expect(code).toBe(1)
    expect(errors).toEqual(['cannot attach to demo: bottle demo is not running'])
  })

  it('refuses without a terminal', async () => {
    const errors: string[] = []
    const code = await attachCommand({
      bottleId: 'demo',
      sessionCommand: async () => ({ file: '/bin/true', args: [], env: {} }),
      err: (t) => errors.push(t),
      stdin: { isTTY: false },
    })
    expect(code).toBe(1)
    expect(errors[0]).toMatch(/stdin is not a TTY/)
  })

  it('joining a backend’s session also needs a terminal', async () => {
    const errors: string[] = []
    const [, clientSide] = createMemoryTransportPair()
    const code = await joinAgentSession({
      client: new RpcClient(clientSide),
      bottle: { id: 'demo', state: 'running' } as Bottle,
      err: (t) => errors.push(t),
      interrupted: new Promise(() => {}),
      stdin: { isTTY: false } as NodeJS.ReadStream,
    })
    expect(code).toBe(1)
    expect(errors).toEqual(['attach needs an interactive terminal: stdin is not a TTY'])
  })

  describe('in a real terminal', () => {
    let dir: string
    let script: string

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bb-attach-'))
      script = join(dir, 'attach-main.mjs')
      // A tiny CLI around attachCommand: the session reports its tty mode and
      // env, then the caller reports the mode it got back and the exit code.
      await build({
        stdin: {
          contents: `
            import { execFileSync } from 'node:child_process'
            import { attachCommand, joinAgentSession } from './attach'
            const mode = () => execFileSync('stty', ['-a'], { stdio: ['inherit', 'pipe', 'inherit'] }).toString()
            const code = await attachCommand({
              bottleId: 'demo',
              sessionCommand: async () => ({
                file: '/bin/sh',
                args: ['-c', 'stty -a | grep -o -- "-\\\\?icanon" | sed "s/^/IN:/"; echo "ENV:$BB_SECRET_TOKEN"; exit 5'],
                env: { BB_SECRET_TOKEN: 'from-env' },
              }),
              err: (t) => process.stderr.write(t + '\\n'),
            })
            process.stdout.write('OUT:' + (mode().match(/-?icanon/) ?? [''])[0] + '\\r\\nCODE:' + code + '\\r\\n')
          `,
          resolveDir: resolve(__dirname),
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: script,
        // execa's CommonJS dependencies call require().
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'error',
      })
    })

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('runs the session raw on this TTY and restores the terminal after', async () => {
      const pty = nodePty.spawn(process.execPath, [script], {
        name: 'xterm-256color',
        cols: 80,
        rows: 24,
      })
      let out = ''
      pty.onData((d) => (out += d))
      const exitCode = await new Promise<number>((r) => pty.onExit((e) => r(e.exitCode)))
      expect(exitCode, out).toBe(0)
      expect(out).toContain('IN:-icanon')
      expect(out).toContain('ENV:from-env')
      expect(out).toContain('OUT:icanon')
      expect(out).not.toContain('OUT:-icanon')
      expect(out).toContain('CODE:5')
    })
  })
})

// Subnet pool of this part: 10.213.224.0/24.
const POOL = '10.213.224.0/24'

/**
 * The whole CLI in a real terminal (node-pty) against `serve` (serveCommand,
 * in this process) on the fake smolvm and docker: the terminal joins the
 * agent session the backend runs, and falls back to a process of its own
 * when no backend is there.
 */
describe.runIf(need('docker') && need('netns'))('bot-bottle attach <bottle>', () => {
  let t: TestBottles
  let cli: string
  let serving: { stop(): Promise<number>; log: string[] } | null = null

  beforeAll(async () => {
    ;[t, cli] = await Promise.all([makeTestBottles({ pool: POOL }), buildCli('attach')])
  })

  afterAll(async () => {
    await serving?.stop()
    if (t) {
      await t.backend.bottles.load()
      for (const b of t.backend.bottles.list())
        if (b.state === 'running') await t.backend.bottles.stop(b.id)
      await t.cleanup()
    }
    if (cli) await rm(cli, { force: true })
  })

  /** `bot-bottle serve` for this home, as the user runs it; stop() is its Ctrl-C. */
  async function serve(): Promise<NonNullable<typeof serving>> {
    let interrupt = (): void => {}
    const log: string[] = []
    const io: CliIO = {
      out: (s) => log.push(s),
      err: (s) => log.push(s),
      env: t.env,
      interrupted: new Promise<void>((r) => (interrupt = r)),
    }
    const done = serveCommand.run(parseArgs([], serveCommand.options), io)
    await vi.waitFor(() => expect(log.join('\n')).toMatch(/serving the dashboard/), {
      timeout: 20_000,
    })
    serving = {
      log,
      stop: async () => {
        serving = null
        interrupt()
        return done
      },
    }
    return serving
  }

  /** A second client of the backend, as the app's window is. */
  async function appClient(): Promise<RpcClient> {
    const local = await connectLocalEndpoint(t.backend.paths.dataDir)
    if ('unavailable' in local) throw new Error(local.unavailable)
    return new RpcClient(local.transport)
  }

  /** `bot-bottle attach …` in a terminal of its own. */
  function terminal(args: string[], size = { cols: 100, rows: 30 }) {
    // Then the shell reports the terminal's modes as attach left them.
    const report =
      'echo "TTY:$(stty -a | grep -o -- "-\\{0,1\\}opost") $(stty -a | grep -o -- "-\\{0,1\\}icanon")"'
    const script = `"$0" "$@"; code=$?; ${report}; exit $code`
    const pty = nodePty.spawn('/bin/sh', ['-c', script, process.execPath, cli, 'attach', ...args], {
      name: 'xterm-256color',
      ...size,
      env: t.env as Record<string, string>,
    })
    let out = ''
    pty.onData((d) => (out += d))
    const exited = new Promise<number>((r) => pty.onExit((e) => r(e.exitCode)))
    return {
      pty,
      exited,
      output: () => out,
      /** Waits for `pattern` in what the terminal shows after `from` (an earlier output length). */
      shows: (pattern: RegExp, from = 0) =>
        vi.waitFor(() => expect(out.slice(from)).toMatch(pattern), { timeout: 15_000 }),
    }
  }

  async function screen(client: RpcClient, sessionId: string, pattern: RegExp): Promise<void> {
    await vi.waitFor(
      async () =>
        expect((await client.call('sessions.snapshot', { sessionId })).data).toMatch(pattern),
      { timeout: 15_000 },
    )
  }

  it('joins the running agent session, and leaves the terminal and the agent as they were', async () => {
    const { log } = await serve()
    expect(log.join('\n')).toContain(
      `terminals attach through ${join(t.backend.paths.dataDir, 'run', 'rpc.sock')}`,
    )
    const app = await appClient()
    try {
      const launched = await app.call('bottles.launch', {
        agent: 'tester',
        projectDir: t.projectDir,
      })
      await vi.waitFor(
        async () =>
          expect((await app.call('bottles.get', { id: launched.id })).state).toBe('running'),
        { timeout: 60_000, interval: 100 },
      )
      const [agent] = await app.call('sessions.list', { bottleId: launched.id })
      expect(agent).toMatchObject({ kind: 'agent', state: 'running' })
      const sessionId = agent!.id
      // What the app's window typed before the terminal came.
      await app.call('sessions.input', { sessionId, data: 'echo before-$((6*7))\r' })
      await screen(app, sessionId, /before-42/)

      const term = terminal([launched.id.slice(0, 10)])
      await term.shows(new RegExp(`attached to ${launched.id} · detach: Ctrl-\\]`))
      // The agent's existing screen, from the snapshot.
      await term.shows(/before-42/)
      // Sized to this terminal from the start, and on every change.
      let mark = term.output().length
      term.pty.write('stty size\r')
      await term.shows(/\b30 100\b/, mark)
      term.pty.resize(90, 25)
      await vi.waitFor(async () => {
        const [s] = await app.call('sessions.list', { bottleId: launched.id })
        expect(s).toMatchObject({ cols: 90, rows: 25 })
      })
      mark = term.output().length
      term.pty.write('stty size\r')
      await term.shows(/\b25 90\b/, mark)
      // Typed here, seen by the app: one session.
      term.pty.write('echo typed-$((2*21))x\r')
      await screen(app, sessionId, /typed-42x/)
      await term.shows(/typed-42x/)
      // Several times the session's high watermark: it only gets through if
      // this terminal acknowledges what it has written.
      mark = term.output().length
      term.pty.write('seq 1 25000; echo flood-$((5*5))\r')
      await term.shows(/flood-25/, mark)
      expect(term.output().slice(mark)).toContain('\r\n24999\r\n25000\r\n')

      term.pty.write('\x1d')
      expect(await term.exited).toBe(0)
      expect(term.output()).toContain(`detached from ${launched.id}; its agent keeps running`)
      expect(term.output()).toContain('TTY:opost icanon')
      const [after] = await app.call('sessions.list', { bottleId: launched.id })
      expect(after).toMatchObject({ id: sessionId, state: 'running' })
      expect((await app.call('bottles.get', { id: launched.id })).state).toBe('running')

      // The session ending (closed from the app) ends the attach, with its code.
      const again = terminal([launched.id])
      await again.shows(/flood-25/)
      await app.call('sessions.close', { sessionId })
      const code = await again.exited
      const [closed] = await app.call('sessions.list', { bottleId: launched.id })
      expect(closed!.state).toBe('exited')
      expect(code).toBe(closed!.signal !== null ? 128 + closed!.signal : closed!.exitCode)
    } finally {
      app.dispose()
    }
  })

  it('without a backend runs an agent process of its own; with one again, opens the agent session', async () => {
    const [bottle] = (await (async () => {
      const app = await appClient()
      try {
        return await app.call('bottles.list', {})
      } finally {
        app.dispose()
      }
    })()) as [Bottle]
    expect(bottle.state).toBe('running')
    expect(await serving!.stop()).toBe(0)
    expect(existsSync(join(t.backend.paths.dataDir, 'run', 'rpc.sock'))).toBe(false)

    const own = terminal([bottle.id])
    await own.shows(/no app or serve is running: starting a new agent process in the bottle/)
    // The fake runs the guest command right on this (raw) terminal, where a
    // real smolvm gives it a guest pty: a line ends with \n, not Enter's \r.
    own.pty.write('echo own-$((2*4))\n')
    await own.shows(/own-8/)
    own.pty.write('exit 6\n')
    expect(await own.exited).toBe(6)
    expect(own.output()).toContain('TTY:opost icanon')

    // A backend again: the bottle has no agent session there, so attach opens one.
    await serve()
    const app = await appClient()
    try {
      expect(
        (await app.call('sessions.list', { bottleId: bottle.id })).filter(
          (s) => s.state === 'running',
        ),
      ).toEqual([])
      const term = terminal([bottle.id])
      await term.shows(/attached to/)
      term.pty.write('echo fresh-$((3*3))\r')
      await term.shows(/fresh-9/)
      const [opened] = await app.call('sessions.list', { bottleId: bottle.id })
      await screen(app, opened!.id, /fresh-9/)
      // The agent exiting on its own: attach returns its code, the backend stops the bottle.
      term.pty.write('exit 5\r')
      expect(await term.exited).toBe(5)
      expect(term.output()).toContain('TTY:opost icanon')
      await vi.waitFor(
        async () =>
          expect((await app.call('bottles.get', { id: bottle.id })).state).toBe('stopped'),
        { timeout: 30_000, interval: 100 },
      )
      const late = terminal([bottle.id])
      expect(await late.exited).toBe(1)
      expect(late.output()).toContain(
        `cannot attach to ${bottle.id}: bottle ${bottle.id} is stopped`,
      )
    } finally {
      app.dispose()
    }
    expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
  })
})
