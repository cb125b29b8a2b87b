import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A tiny OCI distribution registry on loopback, for tests of the digest
 * resolver: manifests answer HEAD with a Docker-Content-Digest once the
 * caller shows the bearer token from /token (anonymous, like Docker Hub).
 */
export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string
  /** repository:tag → digest; change it to move a tag. */
  tags: Map<string, string>
  /** Manifest requests seen (HEAD and GET). */
  manifestRequests: number
  /** Hold every answer (a registry that accepts but never replies). */
  stall: boolean
  close(): Promise<void>
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const token = 'anon-token-for-tests'
  const state = { tags: new Map<string, string>(), manifestRequests: 0, stall: false }
  let host = ''
  const server: Server = createServer((req, res) => {
    if (state.stall) return
    const url = new URL(req.url ?? '/', `http://${host}`)
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }))
      return
    }
    const m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname)
    if (!m) {
      res.writeHead(404).end()
      return
    }
    state.manifestRequests++
    if (req.headers.authorization !== `Bearer ${token}`) {
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://${host}/token",service="test-registry",scope="repository:${m[1]}:pull"`,
        })
        .end()
      return
    }
    const digest = state.tags.get(`${m[1]}:${decodeURIComponent(m[2] ?? '')}`)
    if (!digest) {
      res.writeHead(404).end()
      return
    }
    res
      .writeHead(200, {
        'docker-content-digest': digest,
        'content-type': 'application/vnd.oci.image.index.v1+json',
      })
      .end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return Object.assign(state, {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}
