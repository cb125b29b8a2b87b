import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveSmolvmBinary } from './binary'

let root: string
const exe = async (path: string): Promise<string> => {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, '#!/bin/sh\n')
  await chmod(path, 0o755)
  return path
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'smolvm-bin-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('resolveSmolvmBinary', () => {
  it('prefers the setting, then BOT_BOTTLE_SMOLVM, then PATH, then install locations', async () => {
    const setting = await exe(join(root, 'setting', 'smolvm'))
    const fromEnv = await exe(join(root, 'env', 'smolvm'))
    const onPath = await exe(join(root, 'path', 'smolvm'))
    const home = join(root, 'home')
    const installed = await exe(join(home, '.local', 'bin', 'smolvm'))
    const env = {
      PATH: `${join(root, 'empty')}:${join(root, 'path')}`,
      HOME: home,
      BOT_BOTTLE_SMOLVM: fromEnv,
    }
    expect(await resolveSmolvmBinary({ settingPath: setting, env })).toEqual({
      path: setting,
      source: 'setting',
    })
    expect(await resolveSmolvmBinary({ settingPath: null, env })).toEqual({
      path: fromEnv,
      source: 'env',
    })
    expect(
      await resolveSmolvmBinary({ settingPath: null, env: { ...env, BOT_BOTTLE_SMOLVM: '' } }),
    ).toEqual({ path: onPath, source: 'path' })
    expect(
      await resolveSmolvmBinary({
        settingPath: null,
        env: { HOME: home, PATH: join(root, 'empty') },
      }),
    ).toEqual({
      path: installed,
      source: 'default-location',
    })
  })

  it('names an explicit choice that is not executable, and hints how to install when nothing is found', async () => {
    const plain = join(root, 'plain-file')
    await writeFile(plain, 'not executable')
    await expect(resolveSmolvmBinary({ settingPath: plain, env: {} })).rejects.toMatchObject({
      kind: 'not-installed',
      message: expect.stringMatching(/smolvm path in Settings points at .*plain-file/),
    })
    await expect(
      resolveSmolvmBinary({ settingPath: null, env: { HOME: join(root, 'nohome'), PATH: '' } }),
    ).rejects.toMatchObject({
      kind: 'not-installed',
      message: expect.stringMatching(/install\.sh/),
    })
  })
})
