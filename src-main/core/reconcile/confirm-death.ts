import type { Smolvm } from '../smolvm/types'

/** smolvm's `--timeout` for the guest's `true`. */
export const CONFIRM_EXEC_TIMEOUT_MS = 5_000
/** The whole exec, however long smolvm waits for the agent to take the connection. */
export const CONFIRM_DEADLINE_MS = 15_000

/**
 * Asks a VM smolvm has called unreachable for the grace period whether it
 * answers after all: `machine exec -- true` (any exit code is the guest's,
 * so its agent answered), then — if that fails — `machine status` once
 * more. Returns why it counts as dead, or null when it answers.
 */
export async function confirmUnanswered(
  smolvm: Pick<Smolvm, 'exec' | 'machineStatus'>,
  name: string,
): Promise<string | null> {
  let why: string
  try {
    await smolvm.exec(name, ['true'], {
      timeoutMs: CONFIRM_EXEC_TIMEOUT_MS,
      signal: AbortSignal.timeout(CONFIRM_DEADLINE_MS),
    })
    return null
  } catch (e) {
    why = firstLine(e)
  }
  const status = await smolvm.machineStatus(name).then(
    (m) => (m ? m.state : 'not known to smolvm any more'),
    (e: unknown) => `unknown (${firstLine(e)})`,
  )
  if (status === 'running') return null
  return `\`machine exec -- true\` failed (${why}) and its status is ${status}`
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e)
  return text.split('\n', 1)[0] ?? text
}
