import type { CommandRunner } from '../base/exec'
import type { LogHub } from '../base/logger'
import type { SettingsStore } from '../config/settings-store'
import { createDocker, resolveDockerBinary } from '../docker/docker'
import type { Docker } from '../docker/types'
import { resolveSmolvmBinary } from '../smolvm/binary'
import { createSmolvm } from '../smolvm/smolvm'
import type { Smolvm } from '../smolvm/types'

/**
 * The smolvm and docker CLIs, found from Settings, BOT_BOTTLE_SMOLVM /
 * BOT_BOTTLE_DOCKER and PATH at each use (a changed setting applies to the
 * next call), one wrapper per binary.
 */
export class HostTools {
  private smolvmCache: { path: string; smolvm: Smolvm } | null = null
  private dockerCache: { path: string; docker: Docker } | null = null

  constructor(
    private readonly o: {
      env: NodeJS.ProcessEnv
      settings: SettingsStore
      runner: CommandRunner
      logs: LogHub
    },
  ) {}

  /** Rejects with a not-installed SmolvmError (and the install hint) when there is none. */
  async smolvm(): Promise<Smolvm> {
    const { path } = await resolveSmolvmBinary({
      settingPath: this.o.settings.get().smolvmPath,
      env: this.o.env,
    })
    if (this.smolvmCache?.path !== path) {
      const smolvm = createSmolvm({
        binary: path,
        runner: this.o.runner,
        logger: this.o.logs.logger('smolvm'),
        env: smolvmEnv(this.o.env),
      })
      this.smolvmCache = { path, smolvm }
    }
    return this.smolvmCache.smolvm
  }

  docker(): Docker {
    const path = resolveDockerBinary({
      settingPath: this.o.settings.get().dockerPath,
      env: this.o.env,
    })
    if (this.dockerCache?.path !== path) {
      this.dockerCache = {
        path,
        docker: createDocker({
          binary: path,
          runner: this.o.runner,
          logger: this.o.logs.logger('docker'),
        }),
      }
    }
    return this.dockerCache.docker
  }
}

/** What smolvm locates its state by (HOME, XDG dirs) and is tuned with (SMOLVM_*), from the backend's env. */
function smolvmEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const wanted = (key: string): boolean =>
    key === 'HOME' || key.startsWith('XDG_') || key.startsWith('SMOLVM_')
  return Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && wanted(e[0])),
  )
}
