import type { Logger } from '../base/logger'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'
import { logToKeep } from './bottle-logs'
import type { CapturedLogs, CapturedSource } from './log-capture'
import type { ResourceRecord } from './metadata'
import type { RecordKeeper } from './record-keeper'

/** How long keeping one log may hold a teardown up before it goes on without it. */
const KEEP_TIMEOUT_MS = 10_000

export interface TeardownTools {
  smolvm: () => Promise<Smolvm>
  docker: () => Docker
  log: Logger
  /** Called once a network is gone (its subnet may be handed out again). */
  onNetworkGone?: (name: string) => void
  /** Keeps the bundle and console logs before their container and VM go (absent: they are lost). */
  captured?: CapturedLogs
}

export interface TeardownResult {
  failed: { kind: ResourceRecord['kind']; name: string; message: string }[]
}

/**
 * Removes a bottle's resources newest first — VM, then bundle container, then
 * network — from its record, so it works the same in the process that made
 * them and in any other (the CLI, after a crash). Each removal is idempotent;
 * a resource is dropped from the record only once it is gone, and one that
 * cannot be removed does not stop the others. The VM's console log (once it
 * has stopped) and the bundle's log are kept just before they are deleted.
 */
export async function teardownResources(
  keeper: RecordKeeper,
  id: string,
  tools: TeardownTools,
): Promise<TeardownResult> {
  const failed: TeardownResult['failed'] = []
  for (const res of [...keeper.get(id).resources].reverse()) {
    try {
      await removeResource(res, tools, () => keepLog(keeper, id, res, tools))
      await keeper.resourceGone(id, res)
      if (res.kind === 'network') tools.onNetworkGone?.(res.name)
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      tools.log.error(`could not remove ${res.kind} ${res.name}: ${message}`, id)
      failed.push({ kind: res.kind, name: res.name, message })
    }
  }
  return { failed }
}

/**
 * Removes one resource; idempotent (a missing one counts as removed).
 * `beforeDelete` runs once a VM has stopped, or before a container goes.
 */
export async function removeResource(
  res: Pick<ResourceRecord, 'kind' | 'name'>,
  tools: Pick<TeardownTools, 'smolvm' | 'docker'>,
  beforeDelete?: () => Promise<void>,
): Promise<void> {
  switch (res.kind) {
    case 'machine': {
      const smolvm = await tools.smolvm()
      await smolvm.machineStop(res.name)
      await beforeDelete?.()
      await smolvm.machineDelete(res.name)
      return
    }
    case 'container':
      await beforeDelete?.()
      await tools.docker().containerRemove(res.name)
      return
    case 'network':
      await removeNetwork(tools.docker(), res.name)
      return
  }
}

/** A network whose last endpoint is still being detached refuses removal for a moment. */
async function removeNetwork(docker: Docker, name: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await docker.networkRemove(name)
      return
    } catch (e) {
      if (attempt >= 5 || !/active endpoints/i.test(String((e as Error).message))) throw e
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)))
    }
  }
}

/**
 * Keeps the log a VM or bundle container holds before it is deleted with it.
 * Never fails the teardown: what cannot be kept within KEEP_TIMEOUT_MS is logged and lost.
 */
async function keepLog(
  keeper: RecordKeeper,
  id: string,
  res: ResourceRecord,
  tools: TeardownTools,
): Promise<void> {
  const source: CapturedSource | null =
    res.kind === 'machine' ? 'console' : res.kind === 'container' ? 'bundle' : null
  const { captured } = tools
  if (!source || !captured) return
  const timeout = new AbortController()
  const timer = setTimeout(
    () => timeout.abort(new Error(`timed out after ${KEEP_TIMEOUT_MS / 1000} s`)),
    KEEP_TIMEOUT_MS,
  )
  const timedOut = new Promise<never>((_, reject) =>
    timeout.signal.addEventListener('abort', () => reject(timeout.signal.reason as Error)),
  )
  try {
    await Promise.race([
      (async () => {
        const text = await logToKeep(source, res.name, tools)
        // Too late: the teardown went on (and the bottle may be removed by now).
        timeout.signal.throwIfAborted()
        if (text) await captured.keep(keeper.get(id), source, text)
      })(),
      timedOut,
    ])
  } catch (e) {
    const message = `could not keep the ${source} log of ${res.name}: ${(e as Error).message}`
    // A resource whose creation never finished may well not exist: nothing was lost.
    if (res.state === 'creating') tools.log.debug(message, id)
    else tools.log.warn(message, id)
  } finally {
    clearTimeout(timer)
  }
}
