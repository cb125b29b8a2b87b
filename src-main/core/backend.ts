import { createHash } from 'node:crypto'
import type { BackendLogLine } from '../../src-shared/contract'
import { LogHub, type Logger } from './base/logger'
import { DisposableStore, type Disposable } from './base/lifecycle'
import { CommandRunner } from './base/exec'
import { resolvePaths, type AppPaths } from './config/paths'
import { SettingsStore } from './config/settings-store'

/** How the backend is being run; only changes what the UI can offer. */
export type BackendMode = 'electron' | 'serve' | 'cli'

export interface BackendOptions {
  mode: BackendMode
  env?: NodeJS.ProcessEnv
  /** Where log lines go besides the in-memory ring (stderr in serve/CLI). */
  logSink?: (line: BackendLogLine) => void
  version?: string
}

/**
 * The composition root: every service, built once, disposed in reverse order.
 * The Electron app and `bot-bottle serve` build the same one.
 */
export interface Backend extends Disposable {
  readonly mode: BackendMode
  readonly version: string
  readonly env: NodeJS.ProcessEnv
  readonly paths: AppPaths
  /** Stable per data dir: labels docker resources so installs never see each other's. */
  readonly homeId: string
  readonly logs: LogHub
  readonly log: Logger
  readonly runner: CommandRunner
  readonly settings: SettingsStore
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const env = options.env ?? process.env
  const paths = resolvePaths(env)
  const store = new DisposableStore()
  const logs = new LogHub({ sink: options.logSink })
  const log = logs.logger('backend')
  const runner = new CommandRunner(logs.logger('exec'))
  const settings = new SettingsStore(paths.settingsPath)
  await settings.load()

  const backend: Backend = {
    mode: options.mode,
    version: options.version ?? '0.0.0',
    env,
    paths,
    homeId: createHash('sha256').update(paths.dataDir).digest('hex').slice(0, 12),
    logs,
    log,
    runner,
    settings,
    dispose: () => store.dispose(),
  }
  return backend
}
