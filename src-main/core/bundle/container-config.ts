import { RpcError } from '../../../src-shared/rpc/errors'
import { AVAILABLE_DAEMONS } from '../../../resources/bundle/src/daemons'
import { canonicalRules } from '../egress/rules'
import type { BundleContainerConfig, BundleDaemon } from './types'

/** Where the Dockerfile puts the daemon JS (also the admin CLI the app runs with `docker exec`). */
export const BUNDLE_JS_PATH = '/opt/bot-bottle/bundle.js'

/** Seconds to give the bundle after SIGTERM (it exits within one). */
export const BUNDLE_STOP_TIMEOUT_SEC = 5

/**
 * Hardening that costs the daemons nothing: no capabilities (they bind ports
 * above 1024 as the unprivileged `node` user), no privilege gain, a process
 * cap, and bounded logs (the decision log grows with every connection).
 */
const HARDENING = [
  '--cap-drop',
  'ALL',
  '--security-opt',
  'no-new-privileges',
  '--pids-limit',
  '256',
  '--log-driver',
  'json-file',
  '--log-opt',
  'max-size=10m',
  '--log-opt',
  'max-file=3',
]

export interface BundleConfigInput {
  image: string
  /** Empty: the bundle idles ("no daemons selected"). */
  daemons: readonly BundleDaemon[]
  /** The egress allowlist (rule texts); required when daemons include `egress`. */
  allowlist?: readonly string[]
  /** Concurrent proxy connections (default 256 in the daemon). */
  maxConnections?: number
}

/**
 * The bundle container's image, env and docker flags for one bottle; launch
 * adds name, network, pinned IP, labels and BUNDLE_STOP_TIMEOUT_SEC.
 * Env contract: BUNDLE_DAEMONS, EGRESS_ALLOWLIST (JSON array of canonical
 * rules), EGRESS_MAX_CONNECTIONS.
 */
export function bundleContainerConfig(input: BundleConfigInput): BundleContainerConfig {
  const daemons = [...new Set(input.daemons)]
  const missing = daemons.filter((d) => !(AVAILABLE_DAEMONS as readonly string[]).includes(d))
  if (missing.length) {
    throw new RpcError(
      'UNAVAILABLE',
      `bundle daemons not in this build yet: ${missing.join(', ')} (available: ${AVAILABLE_DAEMONS.join(', ')})`,
    )
  }
  const env: Record<string, string> = { BUNDLE_DAEMONS: daemons.join(',') }
  if (daemons.includes('egress')) {
    if (!input.allowlist)
      throw new RpcError('INVALID_PARAMS', 'allowlist: required when the egress daemon runs')
    env.EGRESS_ALLOWLIST = JSON.stringify(canonicalRules(input.allowlist, 'egress allowlist'))
    if (input.maxConnections !== undefined) {
      if (
        !Number.isInteger(input.maxConnections) ||
        input.maxConnections < 1 ||
        input.maxConnections > 65535
      ) {
        throw new RpcError(
          'INVALID_PARAMS',
          `maxConnections: expected 1 to 65535, got ${input.maxConnections}`,
        )
      }
      env.EGRESS_MAX_CONNECTIONS = String(input.maxConnections)
    }
  }
  return { image: input.image, env, extraArgs: [...HARDENING] }
}
