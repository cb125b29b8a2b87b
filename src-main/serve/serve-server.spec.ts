import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { RpcClient } from '../../src-shared/rpc/client'
import type { Transport } from '../../src-shared/rpc/transport'
import { nullLogger } from '../core/base/logger'
import { RpcServer } from '../rpc/server'
import { startServe, type ServeHandle } from './serve-server'

const TOKEN = 'test-token-0123456789'

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ok: true; ws: WebSocket } | { ok: false; status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve({ ok: true, ws }))
    ws.once('unexpected-response', (_req, res) =>
      resolve({ ok: false, status: res.statusCode ?? 0 }),
    )
    ws.once('error', () => {})
  })
}

function nodeWsTransport(ws: WebSocket): Transport {
  return {
    send: (m) => ws.send(m),
    onMessage: (l) => {
      const h = (d: WebSocket.RawData): void => l(String(d))
      ws.on('message', h)
      return { dispose: () => ws.off('message', h) }
    },
    onClose: (l) => {
      ws.on('close', l)
      return { dispose: () => ws.off('close', l) }
    },
    close: () => ws.close(),
  }
}

describe('serve mode', () => {
  let dir: string
  let handle: ServeHandle
  let rpc: RpcServer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-serve-'))
    await mkdir(join(dir, 'assets'))
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>')
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(dir, '..', 'secret-outside.txt'), 'nope').catch(() => {})
    rpc = new RpcServer({
      methods: {
        'app.info': () => ({
          name: 'Bot Bottle',
          version: 't',
          mode: 'serve',
          platform: 'linux',
          arch: 'x64',
          configDir: '/',
          dataDir: '/',
          manifestPath: '/',
        }),
      },
      topics: {},
    })
    handle = await startServe({ rpc, staticDir: dir, token: TOKEN, logger: nullLogger })
  })

  afterAll(async () => {
    rpc.dispose()
    await handle.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('binds loopback by default and prints a tokenized URL', () => {
    expect(handle.host).toBe('127.0.0.1')
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/?token=${TOKEN}`)
  })

  it('refuses the page without a token (401) and with a wrong one (401)', async () => {
    expect((await get(handle.port, '/')).status).toBe(401)
    expect((await get(handle.port, '/?token=wrong-token-000000000')).status).toBe(401)
    expect((await get(handle.port, '/assets/app.js')).status).toBe(401)
  })

  it('serves the page with the token and sets an HttpOnly cookie for the assets', async () => {
    const page = await get(handle.port, `/?token=${TOKEN}`)
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'")
    const cookie = String(page.headers['set-cookie'])
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    // Named after the port: another serve instance on this host keeps its own.
    expect(cookie.startsWith(`bot_bottle_token_${handle.port}=`)).toBe(true)
    const asset = await get(handle.port, '/assets/app.js', { Cookie: cookie.split(';')[0]! })
    expect(asset.status).toBe(200)
    expect(asset.body).toBe('console.log(1)')
    const otherPort = await get(handle.port, '/assets/app.js', {
      Cookie: `bot_bottle_token_1=${TOKEN}`,
    })
    expect(otherPort.status).toBe(401)
  })

  it('never starts inside the Electron app', async () => {
    const versions = process.versions as Record<string, string | undefined>
    versions.electron = '45.0.0'
    try {
      await expect(startServe({ rpc, staticDir: dir, logger: nullLogger })).rejects.toThrow(
        /never runs inside the Electron app/,
      )
    } finally {
      delete versions.electron
    }
  })

  it('answers malformed requests and cookies with a refusal and keeps serving', async () => {
    const badCookie = { Cookie: `bot_bottle_token_${handle.port}=%` }
    expect((await get(handle.port, '/assets/app.js', badCookie)).status).toBe(401)
    expect(await upgrade(`ws://127.0.0.1:${handle.port}/rpc`, badCookie)).toEqual({
      ok: false,
      status: 401,
    })
    // A request target `new URL` cannot parse, as an HTTP request and as an upgrade.
    const raw = (lines: string[]): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(handle.port, '127.0.0.1', () =>
          socket.end(lines.join('\r\n') + '\r\n\r\n'),
        )
        let answer = ''
        socket.on('data', (d) => (answer += String(d)))
        socket.on('close', () => resolve(answer))
        socket.on('error', reject)
      })
    const host = `Host: 127.0.0.1:${handle.port}`
    expect(await raw(['GET http://[ HTTP/1.1', host])).toMatch(/^HTTP\/1\.1 400/)
    expect(
      await raw([
        'GET http://[ HTTP/1.1',
        host,
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      ]),
    ).toMatch(/^HTTP\/1\.1 400/)
    expect((await get(handle.port, '/healthz')).status).toBe(200)
  })

  it('refuses a foreign Origin (403) even with the token', async () => {
    expect(
      (await get(handle.port, `/?token=${TOKEN}`, { Origin: 'https://evil.example' })).status,
    ).toBe(403)
    const ws = await upgrade(`ws://127.0.0.1:${handle.port}/rpc?token=${TOKEN}`, {
      Origin: 'http://evil.example',
    })
    expect(ws).toEqual({ ok: false, status: 403 })
  })

  it('refuses a rebound Host header (403)', async () => {
    expect(
      (await get(handle.port, `/?token=${TOKEN}`, { Host: `attacker.example:${handle.port}` }))
        .status,
    ).toBe(403)
  })

  it('refuses a WebSocket without a token (401)', async () => {
    const ws = await upgrade(`ws://127.0.0.1:${handle.port}/rpc`, {
      Origin: `http://127.0.0.1:${handle.port}`,
    })
    expect(ws).toEqual({ ok: false, status: 401 })
  })

  it('never serves files outside the renderer directory', async () => {
    const r = await get(handle.port, `/..%2fsecret-outside.txt?token=${TOKEN}`)
    expect(r.status).toBe(404)
  })

  it('speaks the RPC over the WebSocket with the token', async () => {
    const res = await upgrade(`ws://127.0.0.1:${handle.port}/rpc?token=${TOKEN}`, {
      Origin: `http://127.0.0.1:${handle.port}`,
    })
    if (!res.ok) throw new Error(`upgrade failed: ${res.status}`)
    const client = new RpcClient(nodeWsTransport(res.ws))
    await expect(client.call('app.info', {})).resolves.toMatchObject({ mode: 'serve' })
    client.dispose()
  })

  it('refuses to start with a malformed token', async () => {
    await expect(
      startServe({ rpc, staticDir: dir, token: 'short', logger: nullLogger }),
    ).rejects.toThrow(/token/)
  })
})
