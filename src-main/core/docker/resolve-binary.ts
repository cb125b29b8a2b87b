import { accessSync, constants, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'

/**
 * Where docker CLIs live when PATH does not say: apps started from Finder or
 * a desktop launcher get a minimal PATH (/usr/bin:/bin:…), which misses
 * Homebrew, Docker Desktop, OrbStack and Rancher Desktop installs.
 */
function wellKnownDirs(home: string): string[] {
  return [
    '/usr/local/bin',
    '/opt/homebrew/bin',
    '/usr/bin',
    join(home, '.docker', 'bin'),
    join(home, '.orbstack', 'bin'),
    join(home, '.rd', 'bin'),
    '/Applications/Docker.app/Contents/Resources/bin',
  ]
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The docker CLI to run: the `dockerPath` setting, then `BOT_BOTTLE_DOCKER`,
 * then PATH, then well-known install locations. An explicit choice is returned
 * as given even if it does not exist, so the error names what the user chose;
 * with nothing found the bare name is returned and `serverVersion()` explains.
 */
export function resolveDockerBinary(options: {
  settingPath: string | null | undefined
  env: NodeJS.ProcessEnv
  home?: string
}): string {
  if (options.settingPath) return options.settingPath
  const fromEnv = options.env.BOT_BOTTLE_DOCKER
  if (fromEnv) return fromEnv
  const pathDirs = (options.env.PATH ?? '').split(delimiter).filter(Boolean)
  for (const dir of [
    ...pathDirs,
    ...wellKnownDirs(options.home ?? options.env.HOME ?? homedir()),
  ]) {
    const candidate = join(dir, 'docker')
    if (isExecutableFile(candidate)) return candidate
  }
  return 'docker'
}
