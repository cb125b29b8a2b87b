import { RpcError } from '../../../src-shared/rpc/errors'
import type { BundleImage } from '../bundle/bundle-image'
import { bundleContainerConfig } from '../bundle/container-config'
import type { BundleContainerConfig, BundleDaemon } from '../bundle/types'
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
  /** Resolves once the bundle's daemons listen; throws with the bundle's own words when it dies first. */
  waitReady(o: { docker: Docker; container: string; signal: AbortSignal }): Promise<void>
}

const READY_TIMEOUT_MS = 30_000

/** The bundle image and container config (core/bundle), plus readiness from the bundle's own log. */
export function createBundleStarter(image: BundleImage): BundleStarter {
  return {
    async ensureImage(signal) {
      return (await image.ensure({ signal })).image
    },
    containerConfig: (o) => bundleContainerConfig(o),
    async waitReady({ docker, container, signal }) {
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
    },
  }
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
