import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The Electron binary, if `install-electron` has fetched it (never on the build machines). */
export function electronBinary(): string | null {
  try {
    const pkg = require.resolve('electron/package.json')
    const pathFile = join(dirname(pkg), 'path.txt')
    if (!existsSync(pathFile)) return null
    const bin = join(dirname(pkg), 'dist', readFileSync(pathFile, 'utf8').trim())
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

export const NO_ELECTRON =
  'the Electron binary is not installed here (electron ≥42 downloads it lazily: run `npx install-electron`); serve-mode specs cover the same UI'
