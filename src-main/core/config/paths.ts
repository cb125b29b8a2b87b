import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where Bot Bottle keeps its files. */
export interface AppPaths {
  /** User-editable files: manifest.yaml, settings.json. */
  configDir: string
  manifestPath: string
  settingsPath: string
  /** State: bottle metadata, locks, logs. */
  dataDir: string
  bottlesDir: string
  locksDir: string
  logsDir: string
  /** `smolvm pack create` outputs, shared with the original system. */
  packCacheDir: string
}

/**
 * Resolves paths from the environment. `BOT_BOTTLE_HOME` puts config, state
 * and cache under one directory, so tests and side-by-side installs stay apart.
 */
export function resolvePaths(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = env.HOME || homedir(),
): AppPaths {
  const botHome = env.BOT_BOTTLE_HOME
  let configDir: string
  let dataDir: string
  let cacheRoot: string
  if (botHome) {
    if (!botHome.startsWith('/'))
      throw new Error(`BOT_BOTTLE_HOME: must be an absolute path (got ${botHome})`)
    configDir = join(botHome, 'config')
    dataDir = join(botHome, 'data')
    cacheRoot = join(botHome, 'cache')
  } else {
    configDir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'bot-bottle')
    dataDir =
      platform === 'darwin'
        ? join(home, 'Library', 'Application Support', 'Bot Bottle')
        : join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'bot-bottle')
    // The original system's cache location, kept so existing packs are reused.
    cacheRoot =
      platform === 'linux' && env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(home, '.cache')
  }
  return {
    configDir,
    manifestPath: join(configDir, 'manifest.yaml'),
    settingsPath: join(configDir, 'settings.json'),
    dataDir,
    bottlesDir: join(dataDir, 'bottles'),
    locksDir: join(dataDir, 'locks'),
    logsDir: join(dataDir, 'logs'),
    packCacheDir: join(cacheRoot, 'claude-bottle', 'smolmachines'),
  }
}
