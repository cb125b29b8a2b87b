import http from 'node:http'
import net from 'node:net'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { localNonLoopbackIPv4 } from '../../testkit/local-ip'
import { jsonLog } from '../log'
import { egressConfigFromEnv, startEgress, type RunningEgress } from './daemon'
import type { Lookup } from './policy'
import { parseRules } from './rules'

const ip = localNonLoopbackIPv4()

interface Line {
  type: string
  [k: string]: unknown
}

/** An upstream that echoes what it received (path, Host, proxy headers). */
function startUpstream(host: string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ path: req.url, host: req.headers.host, proxyAuth: req.headers['proxy-authorization'] ?? null }))
  })
  return new Promise((resolve) => server.listen(0, host, () => resolve({ server, port: (server.address() as net.AddressInfo).port })))
}

function get(proxyPort: number, url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: proxyPort, path: url, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
  })
}

/** CONNECT; on 200 the socket is the tunnel, otherwise body holds the refusal. */
function connect(proxyPort: number, authority: string): Promise<{ status: number; socket: net.Socket; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: authority, agent: false })
    req.on('connect', (res, socket, head) => {
      if (res.statusCode === 200) return resolve({ status: 200, socket, body: '' })
      let body = head.toString('utf8')
      socket.on('data', (c: Buffer) => (body += c.toString('utf8')))
      socket.on('close', () => resolve({ status: res.statusCode ?? 0, socket, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function getThrough(socket: net.Socket, authority: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ createConnection: () => socket, path, headers: { Host: authority } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
  })
}

async function waitFor<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.skipIf(!ip)('egress proxy (in process, on loopback)', () => {
  let upstream: { server: http.Server; port: number }
  let egress: RunningEgress
  let lines: Line[] = []
  let dir: string
  const lookups: string[] = []
  const lookup: Lookup = async (host) => {
    lookups.push(host)
    if (host === 'upstream.test') return [{ address: ip! }]
    throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })
  }
  const admin = (method: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: egress.adminAddress.port, method, path: '/rules', agent: false }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }))
      })
      req.on('error', reject)
      req.end(body === undefined ? undefined : JSON.stringify(body))
    })
  const decisions = (): Line[] => lines.filter((l) => l.type === 'decision')

  async function start(rules: string[], maxConnections = 256): Promise<void> {
    lines = []
    lookups.length = 0
    const log = jsonLog('egress', (l) => void lines.push(JSON.parse(l) as Line))
    egress = await startEgress(
      { rules: parseRules(rules).rules, maxConnections, rulesFile: join(dir, 'rules.json'), port: 0, host: '127.0.0.1', adminPort: 0, adminHost: '127.0.0.1' },
      log,
      lookup,
    )
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-egress-'))
    upstream = await startUpstream(ip!)
  })
  afterEach(async () => {
    await egress?.stop()
    await rm(join(dir, 'rules.json'), { force: true })
  })
  afterAll(async () => {
    upstream.server.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('forwards an allowed plain-HTTP request with the URL’s Host and without proxy headers', async () => {
    await start([`${ip}:${upstream.port}`])
    const url = `http://${ip}:${upstream.port}/hello?x=1`
    const res = await get(egress.proxyAddress.port, url, { Host: 'fronted.example.com', 'Proxy-Authorization': 'Basic c2VjcmV0' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({ path: '/hello?x=1', host: `${ip}:${upstream.port}`, proxyAuth: null })
    const line = await waitFor(() => decisions()[0], 'the decision line')
    expect(line).toMatchObject({ host: ip, port: upstream.port, method: 'GET', decision: 'allow', rule: `${ip}:${upstream.port}` })
    expect(line.bytesIn).toBeGreaterThan(0)
    expect(line.bytesOut).toBeGreaterThan(0)
    expect(typeof line.time).toBe('string')
  })

  it('tunnels an allowed CONNECT without touching the bytes', async () => {
    await start([`${ip}:${upstream.port}`])
    const t = await connect(egress.proxyAddress.port, `${ip}:${upstream.port}`)
    expect(t.status).toBe(200)
    const res = await getThrough(t.socket, `${ip}:${upstream.port}`, '/inside')
    expect(JSON.parse(res.body)).toMatchObject({ path: '/inside' })
    t.socket.destroy()
    const line = await waitFor(() => decisions()[0], 'the decision line')
    expect(line).toMatchObject({ method: 'CONNECT', decision: 'allow', reason: `rule ${ip}:${upstream.port}` })
  })

  it('refuses an unknown host with a 403 that names it and says what to do, and logs the decision', async () => {
    await start([`${ip}:${upstream.port}`])
    const t = await connect(egress.proxyAddress.port, 'api.example.com:443')
    expect(t.status).toBe(403)
    expect(t.body).toContain('refused api.example.com:443: no rule allows api.example.com:443')
    expect(t.body).toContain('Ask the user to add a rule')
    const plain = await get(egress.proxyAddress.port, `http://${ip}:${upstream.port + 1}/`)
    expect(plain.status).toBe(403)
    expect(decisions()).toEqual([
      expect.objectContaining({ host: 'api.example.com', port: 443, method: 'CONNECT', decision: 'deny', rule: null }),
      expect.objectContaining({ host: ip, port: upstream.port + 1, method: 'GET', decision: 'deny' }),
    ])
    expect(lookups).toEqual([])
  })

  it('guards against DNS rebinding: a name that resolves to a private address needs an IP rule naming it', async () => {
    await start([`upstream.test:${upstream.port}`])
    const refused = await get(egress.proxyAddress.port, `http://upstream.test:${upstream.port}/`)
    expect(refused.status).toBe(403)
    expect(refused.body).toMatch(/DNS-rebinding guard/)
    expect(refused.body).toContain(`${ip}:${upstream.port}`)

    const set = await admin('PUT', { rules: [`upstream.test:${upstream.port}`, `${ip}:${upstream.port}`] })
    expect(set.status).toBe(200)
    lookups.length = 0
    const ok = await get(egress.proxyAddress.port, `http://upstream.test:${upstream.port}/named`)
    expect(ok.status).toBe(200)
    // The name was resolved once, by the proxy, and the checked address was used.
    expect(lookups).toEqual(['upstream.test'])
    expect(JSON.parse(ok.body)).toMatchObject({ host: `upstream.test:${upstream.port}` })
  })

  it('applies allowlist changes at once and closes open tunnels the new list no longer allows', async () => {
    await start([`${ip}:${upstream.port}`])
    const t = await connect(egress.proxyAddress.port, `${ip}:${upstream.port}`)
    expect(t.status).toBe(200)
    const closed = new Promise((r) => t.socket.once('close', r))
    const set = await admin('PUT', { rules: ['other.example.com'] })
    expect(set).toEqual({ status: 200, json: { rules: ['other.example.com'], closed: 1 } })
    await closed
    const line = await waitFor(() => decisions()[0], 'the decision line')
    expect(line.reason).toContain('closed: the allowlist no longer allows it')
    expect((await get(egress.proxyAddress.port, `http://${ip}:${upstream.port}/`)).status).toBe(403)
    expect(JSON.parse(await readFile(join(dir, 'rules.json'), 'utf8'))).toEqual({ rules: ['other.example.com'] })
  })

  it('validates admin changes with the same matcher: an invalid list changes nothing', async () => {
    await start(['a.example.com'])
    const bad = await admin('PUT', { rules: ['b.example.com', '*.com', 'https://x.example.com'] })
    expect(bad.status).toBe(400)
    expect(bad.json.invalid).toEqual([
      { rule: '*.com', reason: expect.stringContaining('top-level domain') },
      { rule: 'https://x.example.com', reason: expect.stringContaining('not a URL') },
    ])
    expect(await admin('GET')).toEqual({ status: 200, json: { rules: ['a.example.com'] } })
  })

  it('answers 503 beyond the connection cap, and serves again once a slot frees up', async () => {
    await start([`${ip}:${upstream.port}`], 2)
    const open = (): Promise<net.Socket> =>
      new Promise((resolve) => {
        const s = net.connect(egress.proxyAddress.port, '127.0.0.1', () => resolve(s))
      })
    const held = [await open(), await open()]
    await waitFor(() => (egress.proxy.connectionCount === 2 ? true : undefined), 'two held connections')
    const third = await open()
    const answer = await new Promise<string>((resolve) => {
      let text = ''
      third.on('data', (c: Buffer) => (text += c.toString()))
      third.on('close', () => resolve(text))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 503 /)
    expect(answer).toContain('too many concurrent connections (limit 2)')
    held[0]!.destroy()
    await waitFor(() => (egress.proxy.connectionCount === 1 ? true : undefined), 'a freed slot')
    expect((await get(egress.proxyAddress.port, `http://${ip}:${upstream.port}/`)).status).toBe(200)
    held[1]!.destroy()
  })

  it('rejects requests that are not proxy requests, and reports unreachable allowed upstreams as 502', async () => {
    await start([`${ip}:1`])
    expect((await get(egress.proxyAddress.port, '/')).body).toMatch(/HTTP_PROXY/)
    expect((await get(egress.proxyAddress.port, 'https://a.example.com/')).body).toMatch(/CONNECT/)
    const down = await get(egress.proxyAddress.port, `http://${ip}:1/`)
    expect(down.status).toBe(502)
    const line = await waitFor(() => decisions().find((d) => d.port === 1), 'the decision line')
    expect(line).toMatchObject({ decision: 'allow', reason: expect.stringContaining('upstream unreachable (ECONNREFUSED)') })
  })
})

describe('egress configuration from the environment', () => {
  const log = jsonLog('egress', () => {})

  it('reads the allowlist and the cap, and refuses invalid ones with the reason', () => {
    const c = egressConfigFromEnv({ EGRESS_ALLOWLIST: '["API.example.com", "*.x.example.com:8443"]', EGRESS_MAX_CONNECTIONS: '64', EGRESS_RULES_FILE: '' }, log)
    expect(c.rules.map((r) => r.text)).toEqual(['api.example.com', '*.x.example.com:8443'])
    expect(c).toMatchObject({ maxConnections: 64, rulesFile: null, port: 8888, host: '0.0.0.0', adminPort: 9099, adminHost: '127.0.0.1' })
    expect(() => egressConfigFromEnv({ EGRESS_ALLOWLIST: '["*.com"]', EGRESS_RULES_FILE: '' }, log)).toThrow(/"\*\.com" \(.*top-level/)
    expect(() => egressConfigFromEnv({ EGRESS_ALLOWLIST: 'api.example.com', EGRESS_RULES_FILE: '' }, log)).toThrow(/not JSON/)
    expect(() => egressConfigFromEnv({ EGRESS_MAX_CONNECTIONS: '0', EGRESS_RULES_FILE: '' }, log)).toThrow(/EGRESS_MAX_CONNECTIONS/)
  })
})
