import { spawnSync } from 'node:child_process'
import { chownSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { RpcClient } from '../../src-shared/rpc/client'
import { RpcServer } from '../rpc/server'
import { connectLocalEndpoint } from './local-client'
import { startLocalEndpoint, type LocalEndpoint } from './local-endpoint'
import {
  SOCKET_PATH_MAX_BYTES,
  endpointLocation,
  ensurePrivateDir,
  pointerPath,
  preferredSocketPath,
} from './socket-path'

/** A real RpcServer with one method, answering with its data dir so a test knows who answered. */
function rpcFor(name: string): RpcServer {
  return new RpcServer({
    methods: {
      'app.info': () => ({
        name: 'Bot Bottle',
        version: name,
        mode: 'serve',
        platform: 'linux',
        arch: 'x64',
        configDir: '/c',
        dataDir: '/d',
        manifestPath: '/m',
      }),
    },
    topics: {},
  })
}

async function ask(dataDir: string): Promise<string> {
  const local = await connectLocalEndpoint(dataDir)
  if ('unavailable' in local) return `unavailable: ${local.unavailable}`
  const client = new RpcClient(local.transport)
  try {
    return (await client.call('app.info', {}, { timeoutMs: 5000 })).version
  } finally {
    client.dispose()
  }
}

describe('the local endpoint', () => {
  let root: string
  let dataDir: string
  const endpoints: LocalEndpoint[] = []

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bb-local-'))
    dataDir = join(root, 'data')
  })

  afterEach(async () => {
    for (const e of endpoints.splice(0)) e.dispose()
    await rm(root, { recursive: true, force: true })
  })

  async function start(name: string, env: NodeJS.ProcessEnv = {}): Promise<LocalEndpoint> {
    const e = await startLocalEndpoint({ rpc: rpcFor(name), dataDir, env })
    endpoints.push(e)
    return e
  }

  it('serves the RPC on <dataDir>/run/rpc.sock, 0600 in a 0700 directory, and removes it on dispose', async () => {
    expect(await ask(dataDir)).toBe('unavailable: no app or serve is running')
    const e = await start('first')
    expect(e.path).toBe(join(dataDir, 'run', 'rpc.sock'))
    expect(lstatSync(e.path).isSocket()).toBe(true)
    expect(statSync(e.path).mode & 0o777).toBe(0o600)
    expect(statSync(join(dataDir, 'run')).mode & 0o777).toBe(0o700)
    expect(await ask(dataDir)).toBe('first')
    // Several connections at once, each its own RPC connection.
    expect(await Promise.all([ask(dataDir), ask(dataDir)])).toEqual(['first', 'first'])
    e.dispose()
    expect(existsSync(e.path)).toBe(false)
    expect(await ask(dataDir)).toBe('unavailable: no app or serve is running')
  })

  it('replaces the socket a dead backend left, and leaves a live one alone', async () => {
    const path = preferredSocketPath(dataDir)
    mkdirSync(join(dataDir, 'run'), { recursive: true, mode: 0o700 })
    // A process that dies while listening leaves its socket behind.
    const died = spawnSync(process.execPath, [
      '-e',
      `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ])
    expect(died.signal).toBe('SIGKILL')
    expect(lstatSync(path).isSocket()).toBe(true)
    expect(await ask(dataDir)).toBe('unavailable: the app or serve that ran last has exited')

    await start('second')
    expect(await ask(dataDir)).toBe('second')
    await expect(start('third')).rejects.toThrow(
      `another Bot Bottle backend is listening on ${path}`,
    )
    expect(await ask(dataDir)).toBe('second')
  })

  it('on dispose never removes a socket a newer backend has put in its place', async () => {
    const old = await start('old')
    // Someone removed the socket of a running backend, and another one started.
    await rm(old.path)
    const replacement = await start('new')
    expect(replacement.path).toBe(old.path)
    old.dispose()
    expect(await ask(dataDir)).toBe('new')
  })

  it('moves to $XDG_RUNTIME_DIR when the data dir path is too long, and records where', async () => {
    dataDir = join(root, 'd'.repeat(SOCKET_PATH_MAX_BYTES), 'data')
    const runtime = join(root, 'xdg-run')
    mkdirSync(runtime, { mode: 0o700 })
    const e = await start('far', { XDG_RUNTIME_DIR: runtime })
    expect(e.path).toMatch(new RegExp(`^${runtime}/bot-bottle/[0-9a-f]{12}\\.sock$`))
    expect(statSync(join(runtime, 'bot-bottle')).mode & 0o777).toBe(0o700)
    expect(readFileSync(pointerPath(dataDir), 'utf8')).toBe(`${e.path}\n`)
    expect(await ask(dataDir)).toBe('far')
    e.dispose()
    expect(existsSync(e.path)).toBe(false)
    expect(existsSync(pointerPath(dataDir))).toBe(false)
    expect(await ask(dataDir)).toBe('unavailable: no app or serve has run here')
  })

  it('uses /tmp/bot-bottle-<uid> without a usable runtime dir', () => {
    const long = join('/', 'x'.repeat(SOCKET_PATH_MAX_BYTES))
    const at = endpointLocation(long, {}, 501)
    expect(at.socket).toMatch(/^\/tmp\/bot-bottle-501\/[0-9a-f]{12}\.sock$/)
    expect(at.dirs).toEqual([join(long, 'run'), '/tmp/bot-bottle-501'])
    expect(at.pointer).toBe(join(long, 'run', 'rpc.sock.path'))
    // Relative, or too long itself: skipped.
    expect(endpointLocation(long, { XDG_RUNTIME_DIR: 'run/user' }, 501).socket).toMatch(/^\/tmp\//)
    expect(endpointLocation(long, { XDG_RUNTIME_DIR: long }, 501).socket).toMatch(/^\/tmp\//)
    // The hash is the data dir's: two homes never share a socket.
    expect(endpointLocation(`${long}2`, {}, 501).socket).not.toBe(at.socket)
  })

  it.runIf(process.getuid?.() === 0)(
    'refuses a socket directory another user created first',
    () => {
      const dir = join(root, 'planted')
      mkdirSync(dir, { mode: 0o777 })
      chownSync(dir, 4321, 4321)
      expect(() => ensurePrivateDir(dir)).toThrow('belongs to another user (uid 4321)')
      const mine = join(root, 'loose')
      mkdirSync(mine, { mode: 0o755 })
      ensurePrivateDir(mine)
      expect(statSync(mine).mode & 0o777).toBe(0o700)
    },
  )
})
