import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isCI } from '../../../test-support/prereqs'
import { parseProbeOutput, probeArgv, type ProbeLine } from './probe-program'

/**
 * The probe program on the host's /bin/sh with a PATH holding only one tool
 * at a time, against a real listener and a closed port on 127.0.0.1: each
 * fallback must tell a connection from a refusal, and a PATH with none of
 * them must say so. (Loopback only: the guest side runs for real in
 * isolation-selftest.spec.ts.)
 */

function which(name: string): string | null {
  try {
    return (
      execFileSync('/bin/sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null
    )
  } catch {
    return null
  }
}

const BUSYBOX = which('busybox')
/** The interpreter itself: a version manager's shim on PATH is a script that needs the rest of PATH. */
function realPython(): string | null {
  try {
    return (
      execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
        encoding: 'utf8',
      }).trim() || null
    )
  } catch {
    return null
  }
}
const PYTHON = realPython()

/** Each variant: the links its PATH dir gets (name → real binary). */
const VARIANTS: Record<string, () => Record<string, string>> = {
  node: () => ({ node: which('node') as string }),
  python3: () => ({ python3: PYTHON as string }),
  bash: () => ({
    bash: which('bash') as string,
    sleep: which('sleep') as string,
    tr: which('tr') as string,
  }),
  // A busybox image: every tool is an applet of the one binary.
  nc: () => Object.fromEntries(['nc', 'sleep', 'tr', 'grep'].map((n) => [n, BUSYBOX as string])),
  'busybox-nc': () =>
    Object.fromEntries(['busybox', 'sleep', 'tr', 'grep'].map((n) => [n, BUSYBOX as string])),
}

describe('the guest probe program', () => {
  let listener: Server
  let accepted = 0
  let openPort = 0
  let closedPort = 0
  let root: string
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'bb-probe-'))
    listener = createServer((s) => {
      accepted++
      s.destroy()
    })
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
    openPort = (listener.address() as { port: number }).port
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    closedPort = (closed.address() as { port: number }).port
    await new Promise<void>((r) => closed.close(() => r()))
  })
  afterAll(async () => {
    listener?.close()
    await rm(root, { recursive: true, force: true })
  })

  async function runWith(links: Record<string, string>): Promise<{ stdout: string; code: number }> {
    const dir = await mkdtemp(join(root, 'path-'))
    for (const [name, target] of Object.entries(links)) await symlink(target, join(dir, name))
    const argv = probeArgv(
      [
        { name: 'open', host: '127.0.0.1', port: openPort },
        { name: 'closed', host: '127.0.0.1', port: closedPort },
        { name: 'nameless', host: 'nowhere.invalid', port: 9 },
      ],
      2,
    )
    return new Promise((resolve, reject) => {
      const child = spawn(argv[0] as string, argv.slice(1), {
        env: { PATH: dir },
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      child.on('error', reject)
      child.on('close', (code) => resolve({ stdout, code: code ?? -1 }))
    })
  }

  for (const [tool, links] of Object.entries(VARIANTS)) {
    const available =
      tool === 'python3'
        ? PYTHON !== null
        : tool === 'node' || tool === 'bash'
          ? which(tool) !== null
          : BUSYBOX !== null
    // Under CI busybox is installed by .ci/run: a missing one fails instead of skipping.
    it.runIf(available || isCI)(
      `with only ${tool}: connected to the listener, refused by the closed port, a name unresolved`,
      async () => {
        const before = accepted
        const { stdout } = await runWith(links())
        const parsed = parseProbeOutput(stdout)
        expect(parsed).toEqual({
          lines: [
            { probe: 'open', tool, outcome: 'connected', detail: '' },
            { probe: 'closed', tool, outcome: 'refused', detail: expect.any(String) as string },
            {
              probe: 'nameless',
              tool,
              outcome: 'unresolved',
              detail: expect.any(String) as string,
            },
          ] satisfies ProbeLine[],
        })
        expect(accepted - before).toBe(1)
      },
    )
  }

  it('says so when the guest has none of them', async () => {
    const { stdout, code } = await runWith(existsSync('/usr/bin/tr') ? { tr: '/usr/bin/tr' } : {})
    expect(code).toBe(3)
    expect(parseProbeOutput(stdout)).toEqual({
      noTool: 'none of node, python3, bash, nc or busybox nc is installed in the guest',
    })
  })

  it('ignores noise around the result lines, and takes only IPv4 addresses and host names', () => {
    expect(
      parseProbeOutput(
        'motd\n{"probe":"a","tool":"node","outcome":"timeout","detail":"x"}\n{broken\n',
      ),
    ).toEqual({ lines: [{ probe: 'a', tool: 'node', outcome: 'timeout', detail: 'x' }] })
    expect(probeArgv([{ name: 'a', host: 'host.smolvm.internal', port: 1 }], 1).slice(-3)).toEqual([
      'a',
      'host.smolvm.internal',
      '1',
    ])
    for (const host of ['-e', 'a b', 'a;b', 'a..b', ''])
      expect(() => probeArgv([{ name: 'a', host, port: 1 }], 1)).toThrow(
        /IPv4 address or a host name/,
      )
  })
})
