import http from 'node:http'
import type net from 'node:net'
import { parseRules, type InvalidRule, type Rule } from './rules'

/** The admin API's answers; the app reaches them only through `docker exec … egress-rules`. */
export type AdminAnswer =
  | { status: 200; body: { rules: string[]; closed?: number } }
  | { status: 400; body: { error: string; invalid: InvalidRule[] } }

export interface AdminServer {
  listen(port: number, host: string): Promise<net.AddressInfo>
  close(): Promise<void>
}

const MAX_BODY = 1 << 20

/**
 * The internal admin port (127.0.0.1 inside the bundle only): GET /rules,
 * PUT /rules {"rules": [...]}, GET /health. Validates with the same parser
 * the proxy and the app use; a list with any invalid rule changes nothing.
 */
export function createAdminServer(handlers: {
  getRules(): readonly Rule[]
  setRules(rules: Rule[]): { closed: number }
  health(): Record<string, unknown>
}): AdminServer {
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      const text = JSON.stringify(body)
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
      res.end(text)
    }
    if (req.url === '/rules' && req.method === 'GET') return reply(200, { rules: handlers.getRules().map((r) => r.text) })
    if (req.url === '/health' && req.method === 'GET') return reply(200, { ok: true, ...handlers.health() })
    if (req.url !== '/rules' || req.method !== 'PUT') return reply(404, { error: `no ${req.method} ${req.url}` })
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reply(413, { error: 'body too large' })
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => {
      if (size > MAX_BODY) return
      const answer = applyRules(Buffer.concat(chunks).toString('utf8'), handlers.setRules)
      reply(answer.status, answer.body)
    })
  })
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen({ port, host }, () => resolve(server.address() as net.AddressInfo))
      })
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}

function applyRules(text: string, setRules: (rules: Rule[]) => { closed: number }): AdminAnswer {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { status: 400, body: { error: 'body is not JSON', invalid: [] } }
  }
  const list = Array.isArray(body) ? body : (body as { rules?: unknown } | null)?.rules
  if (!Array.isArray(list) || !list.every((r) => typeof r === 'string')) {
    return { status: 400, body: { error: 'expected {"rules": [string, …]}', invalid: [] } }
  }
  const { rules, invalid } = parseRules(list)
  if (invalid.length) return { status: 400, body: { error: 'invalid rules', invalid } }
  const { closed } = setRules(rules)
  return { status: 200, body: { rules: rules.map((r) => r.text), closed } }
}
