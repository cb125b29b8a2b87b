import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test-support/prereqs'
import { makeTestBottles, type TestBottles } from '../../core/bottles/testing'
import { cpCommand } from './cp'
import { runCommand } from './testing'

// Subnet pool of this file: 10.213.252.128/25 (core/bottles/copy-file.spec.ts has the other half).
const POOL = '10.213.252.128/25'

describe.runIf(need('docker') && need('netns'))('bot-bottle cp', () => {
  let t: TestBottles
  let id: string
  beforeAll(async () => {
    t = await makeTestBottles({ pool: POOL })
    const launched = await t.backend.bottles.launch({ agent: 'tester', projectDir: t.projectDir })
    const bottle = await t.backend.bottles.settled(launched.id)
    expect(bottle.error).toBeNull()
    id = bottle.id
  })
  afterAll(async () => t?.cleanup())

  const cli = (argv: string[]) => runCommand(cpCommand, argv, t.env)

  it('refuses to replace a host file without --force, and says how', async () => {
    const dl = join(t.home, 'downloads')
    await mkdir(dl)
    const host = join(dl, 'cli.txt')
    await writeFile(host, 'keep me\n')
    await t.backend.bottles.exec(id, ['sh', '-c', 'echo from cli > cli.txt'])
    // `dl/` is the folder: the file keeps its guest name.
    await expect(cli([`${id}:/workspace/cli.txt`, `${dl}/`])).rejects.toThrow(
      `${host} already exists (--force replaces it)`,
    )
    expect(await readFile(host, 'utf8')).toBe('keep me\n')
    expect(await cli(['--force', `${id}:/workspace/cli.txt`, `${dl}/`])).toEqual({
      code: 0,
      out: `copied 9 bytes to ${host}`,
      err: '',
    })
    expect(await readFile(host, 'utf8')).toBe('from cli\n')

    expect(await cli([host, `${id}:/workspace/sub/`])).toMatchObject({
      out: `copied 9 bytes to ${id}:/workspace/sub/cli.txt`,
    })
    expect((await t.backend.bottles.exec(id, ['cat', 'sub/cli.txt'])).stdout).toBe('from cli\n')
  })
})
