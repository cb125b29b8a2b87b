import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nullLogger } from '../base/logger'
import { ensureSpawnHelperExecutable } from './spawn-helper'

describe('ensureSpawnHelperExecutable', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  function ptyDir(mode: number): string {
    const root = mkdtempSync(join(tmpdir(), 'bb-pty-'))
    dirs.push(root)
    mkdirSync(join(root, 'prebuilds', 'darwin-arm64'), { recursive: true })
    const helper = join(root, 'prebuilds', 'darwin-arm64', 'spawn-helper')
    writeFileSync(helper, '#!/bin/sh\n')
    chmodSync(helper, mode)
    return root
  }

  it('makes a 0644 helper executable on macOS, once', () => {
    const root = ptyDir(0o644)
    const helper = join(root, 'prebuilds', 'darwin-arm64', 'spawn-helper')
    expect(ensureSpawnHelperExecutable(nullLogger, 'darwin', 'arm64', () => root)).toEqual([helper])
    expect(statSync(helper).mode & 0o777).toBe(0o755)
    expect(ensureSpawnHelperExecutable(nullLogger, 'darwin', 'arm64', () => root)).toEqual([])
  })

  it('leaves other platforms alone', () => {
    const root = ptyDir(0o644)
    expect(ensureSpawnHelperExecutable(nullLogger, 'linux', 'x64', () => root)).toEqual([])
    expect(statSync(join(root, 'prebuilds', 'darwin-arm64', 'spawn-helper')).mode & 0o777).toBe(
      0o644,
    )
  })
})
