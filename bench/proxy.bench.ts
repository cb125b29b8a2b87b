import { execFile, spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { localNonLoopbackIPv4 } from '../resources/bundle/testkit/local-ip'
import type * as BuildModule from '../resources/bundle/build.mjs'
import type { BenchContext, BenchFigure } from './types'

/**
 * The egress proxy against the same requests made directly, in one run: the
 * real bundle.js (esbuild output) runs as its own process on this host
 * (0.0.0.0:8888, admin 127.0.0.1:9099 — both must be free), the upstream
 * listens on a non-loopback address of this machine (the proxy never
 * connects to loopback) and is allowed by an IP rule.
 */
const DOWNLOAD_BYTES = 64 * 1024 * 1024
const LATENCY_SAMPLES = 400
const HELD = 100
const PROXY_PORT = 8888

export default async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const ip = localNonLoopbackIPv4()
  if (!ip)
    throw new Error(
      'no non-loopback IPv4 address on this machine: the proxy refuses loopback upstreams',
    )
  const upstream = await startUpstream(ip)
  const target = `${ip}:${upstream.port}`
  const bundleJs = join(ctx.tmpDir, 'bundle.js')
  // Imported at run time: build.mjs finds src/ through import.meta.url, which a CJS bundle would lose.
  const build = (await import(
    pathToFileURL(join(ctx.root, 'resources/bundle/build.mjs')).href
  )) as typeof BuildModule
  await writeFile(bundleJs, await build.buildBundleJs())
  const proxy = await startProxy(bundleJs, [target])
  const figures: BenchFigure[] = [
    { name: 'rss_started', value: await rssMiB(proxy.pid!), unit: 'MiB' },
  ]
  try {
    // Throughput: one 64 MiB download straight to the upstream vs through a CONNECT tunnel, alternating, best of 3.
    const direct: number[] = []
    const tunnelled: number[] = []
    for (let i = 0; i < 3; i++) {
      direct.push(await download(await openDirect(ip, upstream.port)))
      tunnelled.push(await download(await openTunnel(target)))
    }
    const d = Math.max(...direct)
    const t = Math.max(...tunnelled)
    ctx.log(`download: direct ${d.toFixed(0)} MiB/s, proxied ${t.toFixed(0)} MiB/s`)
    figures.push(
      { name: 'download_64mib.direct', value: d, unit: 'MiB/s' },
      { name: 'download_64mib.proxied', value: t, unit: 'MiB/s' },
      {
        name: 'download_64mib.throughput_ratio',
        value: t / d,
        unit: 'ratio',
        note: 'proxied / direct, CONNECT tunnel',
      },
    )

    // Latency of one small request on a fresh connection: direct vs an absolute-form request through the proxy.
    const fresh = { direct: [] as number[], proxied: [] as number[] }
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      fresh.direct.push(await timed(() => oneShot(ip, upstream.port, '/ping')))
      fresh.proxied.push(
        await timed(() => oneShot('127.0.0.1', PROXY_PORT, `http://${target}/ping`, target)),
      )
    }
    // Latency inside an open connection: keep-alive direct vs keep-alive inside an established tunnel (an agent's steady state).
    const kaDirect = await openDirect(ip, upstream.port)
    const kaTunnel = await openTunnel(target)
    const kept = { direct: [] as number[], proxied: [] as number[] }
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      kept.direct.push(await timed(() => request(kaDirect, '/ping', target)))
      kept.proxied.push(await timed(() => request(kaTunnel, '/ping', target)))
    }
    kaDirect.destroy()
    kaTunnel.destroy()
    for (const [label, s] of [
      ['fresh_connection', fresh],
      ['in_tunnel', kept],
    ] as const) {
      for (const p of [50, 99]) {
        const dv = percentile(s.direct, p)
        const pv = percentile(s.proxied, p)
        figures.push(
          { name: `request_${label}.p${p}_direct`, value: dv, unit: 'ms' },
          { name: `request_${label}.p${p}_proxied`, value: pv, unit: 'ms' },
          {
            name: `request_${label}.p${p}_ratio`,
            value: pv / dv,
            unit: 'ratio',
            note: 'proxied / direct',
          },
        )
      }
    }

    // 100 tunnels held open at once, and what the proxy process weighs then.
    const idleRss = await rssMiB(proxy.pid!)
    const held = await Promise.allSettled(Array.from({ length: HELD }, () => openTunnel(target)))
    const sockets = held.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
    await new Promise((r) => setTimeout(r, 300))
    const heldRss = await rssMiB(proxy.pid!)
    for (const s of sockets) s.destroy()
    ctx.log(
      `held ${sockets.length}/${HELD} tunnels; proxy RSS ${idleRss.toFixed(1)} → ${heldRss.toFixed(1)} MiB`,
    )
    figures.push(
      {
        name: 'held_connections',
        value: sockets.length,
        unit: 'count',
        goal: `>= ${HELD}`,
        pass: sockets.length >= HELD,
      },
      {
        name: 'rss_after_load',
        value: idleRss,
        unit: 'MiB',
        note: 'after the downloads and latency runs',
      },
      { name: 'rss_with_100_held', value: heldRss, unit: 'MiB' },
    )
  } finally {
    proxy.kill('SIGTERM')
    upstream.server.close()
  }
  return figures
}

function startUpstream(host: string): Promise<{ server: http.Server; port: number }> {
  const chunk = Buffer.alloc(1024 * 1024, 7)
  const server = http.createServer((req, res) => {
    const n = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('n') ?? 0)
    if (!req.url?.startsWith('/bytes')) return res.end('ok')
    res.writeHead(200, { 'Content-Length': n })
    let left = n
    const pump = (): void => {
      while (left > 0) {
        const part = left >= chunk.length ? chunk : chunk.subarray(0, left)
        left -= part.length
        if (!res.write(part)) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  server.keepAliveTimeout = 60_000
  return new Promise((resolve) =>
    server.listen(0, host, () =>
      resolve({ server, port: (server.address() as net.AddressInfo).port }),
    ),
  )
}

async function startProxy(bundleJs: string, rules: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bundleJs], {
    env: {
      PATH: process.env.PATH ?? '',
      BUNDLE_DAEMONS: 'egress',
      EGRESS_ALLOWLIST: JSON.stringify(rules),
      EGRESS_RULES_FILE: '',
      EGRESS_MAX_CONNECTIONS: '512',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('egress proxy listening')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the proxy exited (${code}): ${out}`)))
  })
  child.stdout!.resume()
  return child
}

function connectTo(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, noDelay: true }, () => resolve(s))
    s.once('error', reject)
  })
}

const openDirect = (host: string, port: number): Promise<net.Socket> => connectTo(host, port)

async function openTunnel(target: string): Promise<net.Socket> {
  const s = await connectTo('127.0.0.1', PROXY_PORT)
  s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`)
  const head = await readHead(s)
  if (!head.head.startsWith('HTTP/1.1 200')) throw new Error(`CONNECT refused: ${head.head}`)
  return s
}

/** Reads up to the end of the response head; returns it and any bytes after it. */
function readHead(s: net.Socket): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const onData = (c: Buffer): void => {
      buf = Buffer.concat([buf, c])
      const end = buf.indexOf('\r\n\r\n')
      if (end < 0) return
      s.off('data', onData)
      s.off('error', reject)
      resolve({ head: buf.subarray(0, end).toString('latin1'), rest: buf.subarray(end + 4) })
    }
    s.on('data', onData)
    s.once('error', reject)
  })
}

/** One request on an open keep-alive connection; resolves when the whole body has arrived. */
async function request(s: net.Socket, path: string, host: string): Promise<number> {
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
  const { head, rest } = await readHead(s)
  const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0)
  let got = rest.length
  if (got >= length) return got
  return new Promise((resolve) => {
    const onData = (c: Buffer): void => {
      got += c.length
      if (got >= length) {
        s.off('data', onData)
        resolve(got)
      }
    }
    s.on('data', onData)
  })
}

/** MiB/s of one download on `s` (closed afterwards). */
async function download(s: net.Socket): Promise<number> {
  const t0 = performance.now()
  const got = await request(s, `/bytes?n=${DOWNLOAD_BYTES}`, 'bench')
  const seconds = (performance.now() - t0) / 1000
  s.destroy()
  if (got < DOWNLOAD_BYTES) throw new Error(`download stopped at ${got} bytes`)
  return DOWNLOAD_BYTES / (1024 * 1024) / seconds
}

/** A fresh connection, one request (`Connection: close`), read to the end. */
async function oneShot(
  host: string,
  port: number,
  path: string,
  hostHeader = `${host}:${port}`,
): Promise<void> {
  const s = await connectTo(host, port)
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`)
  await new Promise<void>((resolve) => {
    s.resume()
    s.once('close', () => resolve())
  })
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function rssMiB(pid: number): Promise<number> {
  const { stdout } = await promisify(execFile)('ps', ['-o', 'rss=', '-p', String(pid)])
  return Number(stdout.trim()) / 1024
}
