import http from 'node:http'
import net from 'node:net'

/**
 * Test helper run inside bot-bottle-testkit:test containers (never shipped in
 * the bundle image): the upstream server and the guest stand-in's probes.
 *   serve <port> <name>               HTTP server answering JSON {from, path, host}
 *   probe <host> <port> [timeoutMs]   TCP connect attempt → {connected, error?}
 *   get <proxyHost:port> <http-url>   absolute-form GET through a proxy → {status, body}
 *   tunnel <proxyHost:port> <host:port> <path>  CONNECT, then GET inside → {status, tunnelStatus, body}
 *   idle                              wait for SIGTERM
 * Results are one JSON line on stdout; exit code 0 unless the arguments are wrong.
 */
const [cmd, ...args] = process.argv.slice(2)
const print = (v: unknown): void => void process.stdout.write(JSON.stringify(v) + '\n')
const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e)
process.on('SIGTERM', () => process.exit(0))

function hostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':')
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = ''
    res.setEncoding('utf8')
    res.on('data', (c: string) => (body += c))
    res.on('end', () => resolve(body))
    res.on('error', () => resolve(body))
  })
}

async function main(): Promise<void> {
  switch (cmd) {
    case 'serve': {
      const [port, name] = args
      http
        .createServer((req, res) => {
          res.setHeader('Content-Type', 'application/json')
          res.end(JSON.stringify({ from: name, path: req.url, host: req.headers.host ?? null }))
        })
        .listen(Number(port), '0.0.0.0', () => print({ listening: Number(port) }))
      return
    }
    case 'probe': {
      const [host, port, timeout] = args
      const socket = net.connect({ host: host!, port: Number(port) })
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })), Number(timeout ?? 3000))
      socket.once('connect', () => {
        clearTimeout(timer)
        print({ connected: true })
        socket.destroy()
      })
      socket.once('error', (e) => {
        clearTimeout(timer)
        print({ connected: false, error: code(e) })
      })
      return
    }
    case 'get': {
      const proxy = hostPort(args[0]!)
      const req = http.get({ host: proxy.host, port: proxy.port, path: args[1], headers: { Host: new URL(args[1]!).host } })
      req.on('response', async (res) => print({ status: res.statusCode, body: await readBody(res) }))
      req.on('error', (e) => print({ status: null, error: code(e) }))
      return
    }
    case 'tunnel': {
      const proxy = hostPort(args[0]!)
      const req = http.request({ host: proxy.host, port: proxy.port, method: 'CONNECT', path: args[1] })
      req.on('connect', (res, socket, head) => {
        if (res.statusCode !== 200) {
          // A CONNECT answer's body stays on the socket (node treats it as an upgrade).
          let body = head.toString('utf8')
          socket.setEncoding('utf8')
          socket.on('data', (c: string) => (body += c))
          socket.on('close', () => print({ tunnelStatus: res.statusCode, body }))
          return
        }
        const inner = http.get({ createConnection: () => socket, path: args[2] ?? '/', headers: { Host: args[1] } })
        inner.on('response', async (r) => print({ tunnelStatus: 200, status: r.statusCode, body: await readBody(r) }))
        inner.on('error', (e) => print({ tunnelStatus: 200, status: null, error: code(e) }))
      })
      req.on('error', (e) => print({ tunnelStatus: null, error: code(e) }))
      req.end()
      return
    }
    case 'idle':
      setInterval(() => {}, 1 << 30)
      return
    default:
      process.stderr.write(`testkit: unknown command ${cmd}\n`)
      process.exit(2)
  }
}

void main()
