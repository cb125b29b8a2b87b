import type { BottleService } from '../../core/bottles/bottle-service'
import type { SettingsStore } from '../../core/config/settings-store'
import { isRpcError } from '../../../src-shared/rpc/errors'
import type { HandlerGroup } from './types'

type BottleMethods =
  | 'bottles.list'
  | 'bottles.get'
  | 'bottles.launch'
  | 'bottles.retry'
  | 'bottles.cancel'
  | 'bottles.stop'
  | 'bottles.remove'
  | 'bottles.exec'
  | 'bottles.cp'
  | 'bottles.logs'

/**
 * Bottles over the RPC. Lists re-read the metadata dir first, so bottles the
 * CLI (or another app instance) launched or stopped show up too.
 * (bottles.reconcile and orphans.* are in orphans.ts, over the reconciler.)
 */
export function bottleHandlers(deps: {
  bottles: BottleService
  settings: SettingsStore
}): HandlerGroup<BottleMethods, 'bottles.events' | 'bottles.logFollow'> {
  const { bottles, settings } = deps
  const fresh = async <T>(read: () => T): Promise<T> => {
    try {
      return read()
    } catch (e) {
      if (!isRpcError(e) || e.code !== 'NOT_FOUND') throw e
      await bottles.load()
      return read()
    }
  }
  return {
    methods: {
      'bottles.list': async () => {
        await bottles.load()
        return bottles.list()
      },
      'bottles.get': ({ id }) => fresh(() => bottles.get(id)),
      'bottles.launch': async (params) => {
        const bottle = await bottles.launch(params)
        await settings.touchRecentProject(bottle.projectDir)
        return bottle
      },
      'bottles.retry': ({ id }) => bottles.retry(id),
      'bottles.cancel': async ({ id }) => {
        await fresh(() => bottles.get(id))
        await bottles.cancel(id)
        return {}
      },
      'bottles.stop': async ({ id }) => {
        await fresh(() => bottles.get(id))
        await bottles.stop(id)
        return {}
      },
      'bottles.remove': async ({ id }) => {
        await fresh(() => bottles.get(id))
        await bottles.remove(id)
        return {}
      },
      'bottles.exec': async ({ id, command, workdir, timeoutMs }) => {
        await fresh(() => bottles.get(id))
        return bottles.exec(id, command, { workdir, timeoutMs })
      },
      'bottles.cp': async ({ id, direction, hostPath, guestPath, overwrite }) => {
        await fresh(() => bottles.get(id))
        return bottles.cp(id, direction, hostPath, guestPath, { overwrite })
      },
      'bottles.logs': async ({ id, source, tail }) => {
        await fresh(() => bottles.get(id))
        return bottles.logs(id, source, tail)
      },
    },
    topics: {
      'bottles.events': async (_params, sink) => {
        await bottles.load()
        // Snapshot and subscription in one synchronous stretch: no event falls between them.
        sink.emit(bottles.snapshot())
        return bottles.onEvent((e) => sink.emit(e))
      },
      'bottles.logFollow': async ({ id, source }, sink) => {
        await fresh(() => bottles.get(id))
        return bottles.followLogs(id, source, (lines) => sink.emit({ lines }))
      },
    },
  }
}
