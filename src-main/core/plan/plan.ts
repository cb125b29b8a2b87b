import { stat } from 'node:fs/promises'
import type { LaunchParams } from '../../../src-shared/contract'
import { fieldError } from '../../../src-shared/rpc/errors'
import type { AgentSpec } from '../manifest/schema'
import type { GuestEnvVar, VolumeSpec } from '../smolvm/types'
import { guestEnv, resolveAgentEnv, resolveVolumes } from './guest-env'
import { resourceNames, type ResourceNames } from './names'
import type { SubnetAllocator, SubnetChoice } from './subnet'

/** Everything decided before anything is created: the launch carries it out. */
export interface BottlePlan {
  id: string
  agentName: string
  agent: AgentSpec
  projectDir: string
  copyWorkdir: boolean
  names: ResourceNames
  /** The first choice; the network step moves on if docker reports an overlap. */
  subnet: SubnetChoice
  /** The agent's own variables (secret values included: memory only). */
  agentEnv: GuestEnvVar[]
  volumes: VolumeSpec[]
  warnings: string[]
}

export interface PlanInputs {
  id: string
  params: LaunchParams
  agent: AgentSpec
  hostEnv: NodeJS.ProcessEnv
  subnets: SubnetAllocator
  /** Subnets of every docker network now. */
  takenSubnets: readonly string[]
}

/** Checks the launch parameters against the host and decides names, addresses and env. */
export async function createPlan(i: PlanInputs): Promise<BottlePlan> {
  const { params, agent } = i
  const dirStat = await stat(params.projectDir).catch(() => null)
  if (!dirStat?.isDirectory()) {
    throw fieldError('projectDir', `${params.projectDir} is not a folder`)
  }
  const volumes = resolveVolumes(agent, params.projectDir, i.hostEnv)
  for (const [n, v] of volumes.entries()) {
    const s = await stat(v.host).catch(() => null)
    if (!s?.isDirectory())
      throw fieldError(`volumes.${n}`, `${v.host} is not a folder (smolvm mounts folders only)`)
  }
  const { vars, warnings } = resolveAgentEnv(agent, i.hostEnv)
  return {
    id: i.id,
    agentName: params.agent,
    agent,
    projectDir: params.projectDir,
    copyWorkdir: params.copyWorkdir,
    names: resourceNames(i.id),
    subnet: i.subnets.reserve(i.id, i.takenSubnets),
    agentEnv: vars,
    volumes,
    warnings,
  }
}

/** The guest's full env for a bundle address. */
export function planEnv(
  plan: Pick<BottlePlan, 'agentEnv' | 'agent'>,
  bundleIp: string,
): GuestEnvVar[] {
  return guestEnv(plan.agentEnv, bundleIp, plan.agent)
}
