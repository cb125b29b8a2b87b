import { createServer, type Server } from 'node:net'

/**
 * A TCP listener on the host that the guest must NOT be able to reach. A
 * guest's failed connect alone proves little (the port might just be
 * closed); a canary that accepted nothing while the guest tried it does.
 */
export interface Canary {
  host: string
  port: number
  /** Connections accepted so far. */
  readonly accepted: number
  close(): Promise<void>
}

/**
 * Listens on `host` at a free port; null when the host cannot bind that
 * address (a docker bridge gateway that lives in Docker Desktop's VM, say).
 */
export async function openCanary(host: string): Promise<Canary | null> {
  let accepted = 0
  const server: Server = createServer((socket) => {
    accepted++
    socket.destroy()
  })
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'EACCES' || e.code === 'EINVAL') resolve(false)
      else reject(e)
    })
    server.listen({ host, port: 0, exclusive: true }, () => resolve(true))
  })
  if (!bound) return null
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error(`canary on ${host}: no port`)
  return {
    host,
    port: address.port,
    get accepted() {
      return accepted
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
