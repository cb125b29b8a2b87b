import { access, constants, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { delimiter, join } from 'node:path'
import { INSTALL_HINT, SmolvmError } from './errors'

export interface ResolvedSmolvm {
  path: string
  /** Where it was found, for the doctor / preflight report. */
  source: 'setting' | 'env' | 'path' | 'default-location'
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function notInstalled(message: string): SmolvmError {
  return new SmolvmError(
    message,
    { command: 'smolvm', exitCode: null, stderr: '' },
    'not-installed',
  )
}

/**
 * Finds the smolvm CLI: the `smolvmPath` setting, then `BOT_BOTTLE_SMOLVM`,
 * then PATH, then where install.sh and Homebrew put it (an app started from
 * Finder or a desktop launcher has a minimal PATH without ~/.local/bin).
 * An explicit choice that is not an executable is an error naming it, never
 * silently replaced by another smolvm.
 */
export async function resolveSmolvmBinary(options: {
  settingPath: string | null | undefined
  env: NodeJS.ProcessEnv
}): Promise<ResolvedSmolvm> {
  const { settingPath, env } = options
  const explicit: [string | undefined | null, ResolvedSmolvm['source'], string][] = [
    [settingPath, 'setting', 'the smolvm path in Settings'],
    [env.BOT_BOTTLE_SMOLVM, 'env', 'BOT_BOTTLE_SMOLVM'],
  ]
  for (const [path, source, label] of explicit) {
    if (!path) continue
    if (await isExecutable(path)) return { path, source }
    throw notInstalled(
      `${label} points at ${path}, which is not an executable file. ${INSTALL_HINT}`,
    )
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'smolvm')
    if (await isExecutable(candidate)) return { path: candidate, source: 'path' }
  }
  const home = env.HOME || homedir()
  const defaults = [
    join(home, '.local', 'bin', 'smolvm'),
    join(home, '.smolvm', 'smolvm'),
    '/opt/homebrew/bin/smolvm',
    '/usr/local/bin/smolvm',
  ]
  for (const candidate of defaults) {
    if (await isExecutable(candidate)) return { path: candidate, source: 'default-location' }
  }
  throw notInstalled(`smolvm was not found on PATH nor in ${defaults.join(', ')}. ${INSTALL_HINT}`)
}
