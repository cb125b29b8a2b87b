import { connect } from 'node:net'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { BundleImage } from '../bundle/bundle-image'
import { bundleContainerConfig } from '../bundle/container-config'
import { BUNDLE_PORTS, type BundleContainerConfig, type BundleDaemon } from '../bundle/types'
import type { Docker } from '../docker/types'

/** What launch needs from the bundle side: the image, the container's config, and readiness. */
export interface BundleStarter {
  /** Makes sure the bundle image exists locally; returns its reference. */
  ensureImage(signal: AbortSignal): Promise<string>
  containerConfig(o: {
    image: string
    daemons: BundleDaemon[]
    allowlist: readonly string[]
  }): BundleContainerConfig
  /**
   * Resolves once the bundle's daemons listen and this host reaches its proxy
   * at `ip` (the VM's traffic leaves from the host); throws with the bundle's
   * own words when it dies first, or with the fix when the host cannot reach it.
   */
  waitReady(o: {
    docker: Docker
    container: string
    ip: string
    signal: AbortSignal
  }): Promise<void>
}

export interface BundleStarterOptions {
  /** How long the host's connection to the bundle's proxy may take (default 3 s). */
  reachTimeoutMs?: number
}

const READY_TIMEOUT_MS = 30_000
const REACH_TIMEOUT_MS = 3_000

/** The bundle image and container config (core/bundle), plus readiness from the bundle's own log. */
export function createBundleStarter(
  image: BundleImage,
  options: BundleStarterOptions = {},
): BundleStarter {
  return {
    async ensureImage(signal) {
      return (await image.ensure({ signal })).image
    },
    containerConfig: (o) => bundleContainerConfig(o),
    async waitReady({ docker, container, ip, signal }) {
      await waitStarted(docker, container, signal)
      await checkHostReaches(ip, options.reachTimeoutMs ?? REACH_TIMEOUT_MS, signal)
    },
  }
}

async function waitStarted(docker: Docker, container: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (let delay = 25; ; delay = Math.min(delay * 2, 400)) {
    signal.throwIfAborted()
    // `docker logs` costs no process in the container (a probe through `docker exec` starts node).
    const text = await docker.logs(container, { tail: 200 }).catch(() => '')
    if (announcesStarted(text)) return
    const info = await docker.containerInspect(container)
    if (!info || info.state === 'exited' || info.state === 'dead') {
      const tail = text.trim().split('\n').slice(-20).join('\n')
      throw new RpcError(
        'COMMAND_FAILED',
        `the bundle container exited (code ${info?.exitCode ?? '?'})${lastMessage(tail)}`,
        {
          command: `docker logs --tail 20 ${container}`,
          exitCode: info?.exitCode ?? null,
          stderr: tail.slice(-8000),
        },
      )
    }
    if (Date.now() > deadline) {
      throw new RpcError(
        'TIMEOUT',
        `the bundle did not report its daemons started within ${READY_TIMEOUT_MS / 1000} s`,
      )
    }
    await new Promise((r) => setTimeout(r, delay))
  }
}

/**
 * The VM reaches its bundle through the host's network stack, so the host
 * must route to container IPs. Docker Desktop on macOS and rootless docker do
 * not: without this check the launch would fail much later, at the self-test,
 * with advice about the VM.
 */
async function checkHostReaches(ip: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const port = BUNDLE_PORTS.egress
  const problem = await tcpConnect(ip, port, timeoutMs, signal)
  signal.throwIfAborted()
  if (problem === null) return
  throw new RpcError(
    'PRECONDITION',
    `this host cannot reach the bundle at ${ip}:${port} (${problem}): the docker engine’s container IPs ` +
      'are not reachable from this host, and the VM reaches its bundle through them. Use an engine that ' +
      'routes its bridge networks to the host: dockerd on Linux does; on macOS use OrbStack, or Colima ' +
      'started with `colima start --network-address`; rootless docker does not route container IPs.',
    { target: `${ip}:${port}`, reason: problem },
  )
}

/** null when a TCP connection to host:port opens within timeoutMs, else why not. */
function tcpConnect(
  host: string,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<string | null> {
  if (signal.aborted) return Promise.resolve('cancelled')
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (problem: string | null): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.destroy()
      resolve(problem)
    }
    const onAbort = (): void => done('cancelled')
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('connect', () => done(null))
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message))
  })
}

/** The bundle's init logs `{"type":"log","scope":"init","msg":"started"}` once every daemon listens. */
function announcesStarted(logText: string): boolean {
  return logText.split('\n').some((line) => {
    if (!line.includes('"started"')) return false
    try {
      const l = JSON.parse(line) as { type?: string; scope?: string; msg?: string }
      return l.type === 'log' && l.scope === 'init' && l.msg === 'started'
    } catch {
      return false
    }
  })
}

/** `: <msg>` of the last JSON log line (what the bundle said before it died), or ''. */
function lastMessage(tail: string): string {
  const last = tail.split('\n').pop() ?? ''
  try {
    const l = JSON.parse(last) as { msg?: unknown }
    return typeof l.msg === 'string' ? `: ${l.msg}` : last ? `: ${last}` : ''
  } catch {
    return last ? `: ${last}` : ''
  }
}
