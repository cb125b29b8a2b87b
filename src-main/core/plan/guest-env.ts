import { isAbsolute, normalize } from 'node:path'
import { RpcError } from '../../../src-shared/rpc/errors'
import { isSecretEnvKey, maskValue } from '../base/redact'
import { BUNDLE_PORTS } from '../bundle/types'
import { interpolate } from '../manifest/interpolate'
import type { AgentSpec } from '../manifest/schema'
import type { GuestEnvVar, VolumeSpec } from '../smolvm/types'

/** The agent's own env from the manifest, with host references resolved. */
export interface AgentEnv {
  vars: GuestEnvVar[]
  /** One line per variable left out because what it references is unset. */
  warnings: string[]
}

/**
 * Resolves `${NAME}` references against the host environment. A variable is
 * secret when its name looks secret or its value comes from a variable whose
 * name does (`GH: ${GITHUB_TOKEN}`). One with an unset reference is left out:
 * an empty API key would only hide the real problem.
 */
export function resolveAgentEnv(agent: AgentSpec, hostEnv: NodeJS.ProcessEnv): AgentEnv {
  const vars: GuestEnvVar[] = []
  const warnings: string[] = []
  for (const [key, template] of Object.entries(agent.env)) {
    const { value, missing, refs } = interpolate(template, hostEnv)
    if (missing.length) {
      warnings.push(
        `${key} left out: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set in Bot Bottle’s environment`,
      )
      continue
    }
    vars.push({ key, value, secret: isSecretEnvKey(key) || refs.some(isSecretEnvKey) })
  }
  return { vars, warnings }
}

/** Bot Bottle's own variables: the bundle's proxy (always), git gate and supervise when the agent has them. */
export function bundleEnv(
  bundleIp: string,
  agent: Pick<AgentSpec, 'git' | 'supervise'>,
): GuestEnvVar[] {
  const proxy = `http://${bundleIp}:${BUNDLE_PORTS.egress}`
  const vars: [string, string][] = [
    ['HTTPS_PROXY', proxy],
    ['HTTP_PROXY', proxy],
    ['https_proxy', proxy],
    ['http_proxy', proxy],
    ['NO_PROXY', 'localhost,127.0.0.1'],
    ['no_proxy', 'localhost,127.0.0.1'],
  ]
  if (agent.git) vars.push(['GIT_GATE_URL', `git://${bundleIp}:${BUNDLE_PORTS.gitGate}`])
  if (agent.supervise)
    vars.push(['MCP_SUPERVISE_URL', `http://${bundleIp}:${BUNDLE_PORTS.supervise}`])
  return vars.map(([key, value]) => ({ key, value, secret: false }))
}

export function guestEnv(
  agentVars: readonly GuestEnvVar[],
  bundleIp: string,
  agent: Pick<AgentSpec, 'git' | 'supervise'>,
): GuestEnvVar[] {
  return [...agentVars, ...bundleEnv(bundleIp, agent)]
}

/** The env as the UI and metadata show it: secret values masked. */
export function maskedEnv(
  vars: readonly GuestEnvVar[],
): { key: string; value: string; secret: boolean }[] {
  return vars.map((v) => ({
    key: v.key,
    value: v.secret ? maskValue(v.value) : v.value,
    secret: v.secret,
  }))
}

/** The manifest's volumes with `${PROJECT_DIR}` and host references resolved; every host path absolute. */
export function resolveVolumes(
  agent: AgentSpec,
  projectDir: string,
  hostEnv: NodeJS.ProcessEnv,
): VolumeSpec[] {
  return agent.volumes.map((v, i) => {
    const { value, missing } = interpolate(v.host, { ...hostEnv, PROJECT_DIR: projectDir })
    if (missing.length) {
      throw new RpcError(
        'INVALID_PARAMS',
        `volumes.${i}: ${missing.join(', ')} is not set (in ${v.host})`,
      )
    }
    if (!isAbsolute(value) || value.includes(':') || value.includes('\0')) {
      throw new RpcError(
        'INVALID_PARAMS',
        `volumes.${i}: the host path must be absolute and contain no ":" (got ${value})`,
      )
    }
    return { host: normalize(value), guest: v.guest, readOnly: v.readOnly }
  })
}
