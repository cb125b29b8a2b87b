import type { SessionInfo } from '../../../src-shared/contract'

/** The tab to show when none is chosen (or the chosen one is gone): the running agent first. */
export function defaultSession(list: readonly SessionInfo[]): SessionInfo | undefined {
  const running = list.filter((s) => s.state === 'running')
  return running.find((s) => s.kind === 'agent') ?? running[0] ?? list[0]
}

/** "running", "exited (3)", "killed (signal 1)". */
export function sessionStateLabel(s: SessionInfo): string {
  if (s.state === 'running') return 'running'
  if (s.signal !== null) return `killed (signal ${s.signal})`
  return s.exitCode === null ? 'exited' : `exited (${s.exitCode})`
}
