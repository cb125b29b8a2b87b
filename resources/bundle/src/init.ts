import { AVAILABLE_DAEMONS, type AvailableDaemon } from './daemons'
import { egressConfigFromEnv, startEgress } from './egress/daemon'
import type { BundleLog } from './log'

interface Running {
  stop(): Promise<void>
}

const DAEMONS: Record<AvailableDaemon, (env: NodeJS.ProcessEnv, log: BundleLog) => Promise<Running>> = {
  egress: (env, log) => startEgress(egressConfigFromEnv(env, log), log),
}

/** Names the bundle contract reserves for daemons that later builds add. */
const PLANNED = new Set(['git-gate', 'supervise'])

/** How long shutdown may take before the process exits anyway (docker waits longer, then SIGKILLs). */
const STOP_DEADLINE_MS = 800

/**
 * The bundle's PID 1: starts the daemons BUNDLE_DAEMONS names (comma-separated),
 * or idles when it names none, and exits 0 on SIGTERM/SIGINT after stopping
 * them. A name it does not know stops the start with exit code 2.
 */
export async function init(env: NodeJS.ProcessEnv, log: (scope: string) => BundleLog): Promise<void> {
  const main = log('init')
  const names = [...new Set((env.BUNDLE_DAEMONS ?? '').split(',').map((n) => n.trim()).filter(Boolean))]
  const isAvailable = (n: string): n is AvailableDaemon => (AVAILABLE_DAEMONS as readonly string[]).includes(n)
  for (const name of names) {
    if (isAvailable(name)) continue
    const why = PLANNED.has(name) ? `"${name}" is not part of this bundle build yet` : `unknown daemon "${name}"`
    main.error(`BUNDLE_DAEMONS: ${why} (available: ${AVAILABLE_DAEMONS.join(', ')})`)
    process.exit(2)
  }

  const running: Running[] = []
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) return
    stopping = true
    main.info('stopping', { signal })
    setTimeout(() => process.exit(0), STOP_DEADLINE_MS).unref()
    void Promise.allSettled(running.map((r) => r.stop())).then(() => process.exit(0))
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  if (names.length === 0) {
    main.info('no daemons selected')
    setInterval(() => {}, 1 << 30)
    return
  }
  for (const name of names.filter(isAvailable)) {
    try {
      running.push(await DAEMONS[name](env, log(name)))
    } catch (e) {
      main.error(`${name} failed to start: ${e instanceof Error ? e.message : String(e)}`)
      await Promise.allSettled(running.map((r) => r.stop()))
      process.exit(1)
    }
  }
  main.info('started', { daemons: names })
}
