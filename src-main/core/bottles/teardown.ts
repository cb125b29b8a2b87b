import type { Logger } from '../base/logger'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'
import type { ResourceRecord } from './metadata'
import type { RecordKeeper } from './record-keeper'

export interface TeardownTools {
  smolvm: () => Promise<Smolvm>
  docker: () => Docker
  log: Logger
  /** Called once a network is gone (its subnet may be handed out again). */
  onNetworkGone?: (name: string) => void
}

export interface TeardownResult {
  failed: { kind: ResourceRecord['kind']; name: string; message: string }[]
}

/**
 * Removes a bottle's resources newest first — VM, then bundle container, then
 * network — from its record, so it works the same in the process that made
 * them and in any other (the CLI, after a crash). Each removal is idempotent;
 * a resource is dropped from the record only once it is gone, and one that
 * cannot be removed does not stop the others.
 */
export async function teardownResources(
  keeper: RecordKeeper,
  id: string,
  tools: TeardownTools,
): Promise<TeardownResult> {
  const failed: TeardownResult['failed'] = []
  for (const res of [...keeper.get(id).resources].reverse()) {
    try {
      await removeResource(res, tools)
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

/** Removes one resource; idempotent (a missing one counts as removed). */
export async function removeResource(
  res: Pick<ResourceRecord, 'kind' | 'name'>,
  tools: Pick<TeardownTools, 'smolvm' | 'docker'>,
): Promise<void> {
  switch (res.kind) {
    case 'machine': {
      const smolvm = await tools.smolvm()
      await smolvm.machineStop(res.name)
      await smolvm.machineDelete(res.name)
      return
    }
    case 'container':
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
