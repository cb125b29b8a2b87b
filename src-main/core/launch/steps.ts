import type { Bottle, LaunchStep, StepId } from '../../../src-shared/contract'
import type { CommandResult } from '../base/exec'
import type { Logger } from '../base/logger'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'

/** Boot order, as the dashboard's timeline shows it. */
export const STEP_LABELS: Record<StepId, string> = {
  pack: 'Pack image',
  network: 'Create network',
  bundle: 'Start bundle',
  create: 'Create VM',
  start: 'Boot VM',
  workspace: 'Prepare workspace',
  selftest: 'Isolation self-test',
  session: 'Prepare session',
}

export function initialSteps(): LaunchStep[] {
  return (Object.keys(STEP_LABELS) as StepId[]).map((id) => ({
    id,
    label: STEP_LABELS[id],
    state: 'pending',
    startedAt: null,
    endedAt: null,
    detail: null,
    error: null,
  }))
}

/** What a launch step (the self-test, say) can use: the bottle as launched so far and its guest. */
export interface StepContext {
  bottle: Readonly<Bottle>
  /** Runs a command in the guest (the bottle's env and workdir unless given). */
  exec(
    argv: readonly string[],
    options?: { workdir?: string; timeoutMs?: number; input?: string | Buffer },
  ): Promise<CommandResult>
  /** The allowlist the bundle enforces. */
  egress: readonly string[]
  smolvm: Smolvm
  docker: Docker
  /** Aborted on cancel: pass it on, and stop soon after it fires. */
  signal: AbortSignal
  log: Logger
}

/** A step's result: a line for the timeline, or `skipped` with the reason. */
export interface StepOutcome {
  detail: string | null
  skipped?: boolean
}

/** An injectable launch step. Throw (an RpcError, ideally) to fail the launch; it is then torn down. */
export type StepImpl = (ctx: StepContext) => Promise<StepOutcome>

/** Called as a step starts, inside it: a throw fails that step like the step's own failure would. */
export type BeforeStep = (o: {
  bottleId: string
  projectDir: string
  step: StepId
  signal: AbortSignal
}) => void | Promise<void>
