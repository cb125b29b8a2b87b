import { MAX_SESSIONS_PER_BOTTLE, type SessionInfo } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'

export { MAX_SESSIONS_PER_BOTTLE }

/** Why "New session" / "New shell" is off at the cap. */
export const AT_CAP_HINT = `A bottle runs at most ${MAX_SESSIONS_PER_BOTTLE} sessions at once: close one to start another.`

/** The tab to show when none is chosen (or the chosen one is gone): the running agent first. */
export function defaultSession(list: readonly SessionInfo[]): SessionInfo | undefined {
  const running = list.filter((s) => s.state === 'running')
  return running.find((s) => s.kind === 'agent') ?? running[0] ?? list[0]
}

/** Whether the bottle runs as many sessions as it may. */
export function atSessionCap(list: readonly SessionInfo[]): boolean {
  return list.filter((s) => s.state === 'running').length >= MAX_SESSIONS_PER_BOTTLE
}

/** A refused `sessions.open` for the person at the dashboard (the cap's refusal says why in smolvm's terms). */
export function openErrorMessage(e: unknown): string {
  if (e instanceof RpcError && e.code === 'PRECONDITION' && isCapDetails(e.details)) {
    return AT_CAP_HINT
  }
  return e instanceof Error ? e.message : String(e)
}

function isCapDetails(d: unknown): boolean {
  return typeof d === 'object' && d !== null && 'max' in d && 'sessions' in d
}

/** "running", "exited (3)", "killed (signal 1)". */
export function sessionStateLabel(s: SessionInfo): string {
  if (s.state === 'running') return 'running'
  if (s.signal !== null) return `killed (signal ${s.signal})`
  return s.exitCode === null ? 'exited' : `exited (${s.exitCode})`
}
