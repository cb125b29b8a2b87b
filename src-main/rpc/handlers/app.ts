import type { Dirent } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Backend } from '../../core/backend'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { HandlerGroup } from './types'

/** Electron-only capabilities; serve mode leaves them out. */
export interface HostCapabilities {
  openExternal?(url: string): Promise<boolean>
  pickFolder?(defaultPath?: string): Promise<string | null>
}

export function appHandlers(
  backend: Backend,
  host: HostCapabilities,
): HandlerGroup<'app.info' | 'app.openExternal' | 'app.pickFolder' | 'fs.complete', 'app.log'> {
  const methods: HandlerGroup<
    'app.info' | 'app.openExternal' | 'app.pickFolder' | 'fs.complete'
  >['methods'] = {
    'app.info': () => ({
      name: 'Bot Bottle',
      version: backend.version,
      mode: backend.mode === 'electron' ? 'electron' : 'serve',
      platform: process.platform,
      arch: process.arch,
      configDir: backend.paths.configDir,
      dataDir: backend.paths.dataDir,
      manifestPath: backend.paths.manifestPath,
    }),
    'app.openExternal': async ({ url }) => {
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        return { opened: false }
      }
      // Only https leaves the app; anything else could launch a local handler.
      if (parsed.protocol !== 'https:' || !host.openExternal) return { opened: false }
      return { opened: await host.openExternal(parsed.toString()) }
    },
    'app.pickFolder': async ({ defaultPath }) => {
      if (!host.pickFolder) {
        throw new RpcError(
          'UNAVAILABLE',
          'the folder picker needs the desktop app; type the path instead',
        )
      }
      return { path: await host.pickFolder(defaultPath) }
    },
    'fs.complete': async ({ partial }) => ({ entries: await completeDirectory(partial) }),
  }
  return {
    methods,
    topics: {
      'app.log': (_params, sink) => {
        for (const line of backend.logs.recent().slice(-200)) sink.emit(line)
        return backend.logs.onLine((line) => sink.emit(line))
      },
    },
  }
}

/** Directories whose path starts with `partial` (absolute paths only), at most 50. */
export async function completeDirectory(
  partial: string,
): Promise<{ name: string; path: string }[]> {
  if (!partial.startsWith('/')) return []
  const dir = partial.endsWith('/') ? partial : dirname(partial)
  const prefix = partial.endsWith('/') ? '' : basename(partial)
  let names: Dirent[]
  try {
    names = await readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  const showHidden = prefix.startsWith('.')
  return names
    .filter(
      (d) =>
        d.isDirectory() && d.name.startsWith(prefix) && (showHidden || !d.name.startsWith('.')),
    )
    .map((d) => ({ name: d.name, path: join(dir, d.name) }))
    .sort((a, b) => a.name.localeCompare(b.name))
    .slice(0, 50)
}
