import { chmodSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Logger } from '../base/logger'

/**
 * node-pty 1.1.0 ships `prebuilds/darwin-*\/spawn-helper` with mode 0644, and
 * every spawn then fails with `posix_spawnp failed` (microsoft/node-pty#850).
 * Makes the helper executable once, on macOS only. Returns the files fixed.
 */
export function ensureSpawnHelperExecutable(
  logger: Logger,
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  ptyDir: () => string = nodePtyDir,
): string[] {
  if (platform !== 'darwin') return []
  const fixed: string[] = []
  let root: string
  try {
    root = ptyDir()
  } catch (e) {
    logger.warn(`node-pty not found, cannot check its spawn-helper: ${(e as Error).message}`)
    return fixed
  }
  for (const rel of ['build/Release/spawn-helper', `prebuilds/darwin-${arch}/spawn-helper`]) {
    const file = join(root, rel)
    try {
      const mode = statSync(file).mode
      if ((mode & 0o111) === 0o111) continue
      chmodSync(file, mode | 0o755)
      fixed.push(file)
      logger.info(`made node-pty's ${rel} executable (node-pty#850)`)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn(`cannot make ${file} executable: ${(e as Error).message}`)
      }
    }
  }
  return fixed
}

function nodePtyDir(): string {
  // Inside a packaged app node-pty is unpacked next to the asar, as node-pty itself assumes.
  return dirname(require.resolve('node-pty/package.json')).replace(
    /app\.asar(?=[\\/]|$)/,
    'app.asar.unpacked',
  )
}
