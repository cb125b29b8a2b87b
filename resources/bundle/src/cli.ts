import http from 'node:http'
import { ADMIN_PORT } from './egress/daemon'

/**
 * `bundle.js egress-rules get|set`: how the app changes a running bottle's
 * allowlist (through `docker exec`, so only the host can). `set` reads
 * {"rules": [...]} (or a bare array) on stdin. Prints the daemon's JSON
 * answer; exit 0 on success, 2 for invalid rules, 1 when the daemon is down.
 */
export async function egressRulesCli(args: string[]): Promise<number> {
  const [verb] = args
  if (verb !== 'get' && verb !== 'set') {
    process.stderr.write('usage: bundle.js egress-rules get | set  (set reads {"rules": [...]} on stdin)\n')
    return 2
  }
  const body = verb === 'set' ? await readStdin() : undefined
  try {
    const { status, text } = await request(verb === 'set' ? 'PUT' : 'GET', '/rules', body)
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    return status === 200 ? 0 : status === 400 ? 2 : 1
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e)
    process.stderr.write(`egress daemon not reachable on 127.0.0.1:${ADMIN_PORT} (${code}): is "egress" in BUNDLE_DAEMONS?\n`)
    return 1
  }
}

function request(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: ADMIN_PORT, method, path, headers: { 'Content-Type': 'application/json' }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end(body)
  })
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
