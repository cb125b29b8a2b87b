import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { need } from '../../../test-support/prereqs'
import { copyGuestFile } from './copy-file'
import { makeTestBottles, type TestBottles } from './testing'

// Subnet pool of this file: 10.213.252.0/25 (cli/commands/cp.spec.ts has the other half).
const POOL = '10.213.252.0/25'

/** What bottles.cp's refusals look like on the wire. */
const refusal = (code: string, message: RegExp | string, details?: unknown) =>
  expect.objectContaining({ code, message: expect.stringMatching(message), details })

describe.runIf(need('docker') && need('netns'))('copying files on the fake smolvm', () => {
  let t: TestBottles
  let id: string
  let dl: string
  const cp = (...a: Parameters<TestBottles['backend']['bottles']['cp']>) =>
    t.backend.bottles.cp(...a)
  const guestText = async (path: string) => (await t.backend.bottles.exec(id, ['cat', path])).stdout

  beforeAll(async () => {
    t = await makeTestBottles({ pool: POOL })
    await writeFile(join(t.projectDir, 'notes.md'), 'from the project\n')
    const launched = await t.backend.bottles.launch({
      agent: 'tester',
      projectDir: t.projectDir,
      copyWorkdir: false,
    })
    const bottle = await t.backend.bottles.settled(launched.id)
    expect(bottle.error).toBeNull()
    id = bottle.id
    dl = join(t.home, 'downloads')
    await mkdir(dl)
  })
  afterAll(async () => t?.cleanup())

  it('copies into a guest folder under the source’s name, with or without its slash', async () => {
    const src = join(t.projectDir, 'notes.md')
    expect(await cp(id, 'in', src, '/workspace/')).toEqual({
      bytes: 17,
      hostPath: src,
      guestPath: '/workspace/notes.md',
    })
    expect(await guestText('notes.md')).toBe('from the project\n')
    // An existing guest folder named without the slash: the copy goes into it too.
    await t.backend.bottles.exec(id, ['mkdir', 'sub'])
    expect((await cp(id, 'in', src, '/workspace/sub')).guestPath).toBe('/workspace/sub/notes.md')
    expect(await guestText('sub/notes.md')).toBe('from the project\n')
    await expect(cp(id, 'in', t.projectDir, '/workspace/')).rejects.toEqual(
      refusal('INVALID_PARAMS', /^hostPath: .* is not a file/, expect.anything()),
    )
  })

  it('never replaces a host file unless asked, and then keeps its mode', async () => {
    const mine = join(t.projectDir, 'notes.md')
    await t.backend.bottles.exec(id, ['sh', '-c', 'echo guest version > notes.md'])
    await expect(cp(id, 'out', mine, '/workspace/notes.md')).rejects.toEqual(
      refusal('CONFLICT', `${mine} already exists`, { path: mine }),
    )
    // Into its folder under the same name is the same file: refused as well.
    await expect(cp(id, 'out', `${t.projectDir}/`, '/workspace/notes.md')).rejects.toEqual(
      refusal('CONFLICT', `${mine} already exists`, { path: mine }),
    )
    expect(await readFile(mine, 'utf8')).toBe('from the project\n')

    await chmod(mine, 0o640)
    expect(await cp(id, 'out', mine, '/workspace/notes.md', { overwrite: true })).toEqual({
      bytes: 14,
      hostPath: mine,
      guestPath: '/workspace/notes.md',
    })
    expect(await readFile(mine, 'utf8')).toBe('guest version\n')
    expect((await stat(mine)).mode & 0o777).toBe(0o640)
    // The download's temporary file never stays behind.
    expect((await readdir(t.projectDir)).filter((f) => f.includes('bot-bottle-cp'))).toEqual([])
  })

  it('copies out into a host folder under the guest file’s name', async () => {
    await t.backend.bottles.exec(id, ['sh', '-c', 'echo one > a.txt; echo two > b.txt'])
    expect(await cp(id, 'out', dl, '/workspace/a.txt')).toMatchObject({
      hostPath: join(dl, 'a.txt'),
    })
    expect(await cp(id, 'out', `${dl}/`, '/workspace/b.txt')).toMatchObject({
      hostPath: join(dl, 'b.txt'),
    })
    expect(await readFile(join(dl, 'a.txt'), 'utf8')).toBe('one\n')
    expect(await readFile(join(dl, 'b.txt'), 'utf8')).toBe('two\n')

    await expect(cp(id, 'out', join(dl, 'nope/'), '/workspace/a.txt')).rejects.toEqual(
      refusal('INVALID_PARAMS', `hostPath: folder ${join(dl, 'nope')} does not exist`, {
        issues: [{ path: 'hostPath', message: `folder ${join(dl, 'nope')} does not exist` }],
      }),
    )
    await expect(cp(id, 'out', dl, '/workspace/')).rejects.toEqual(
      refusal('INVALID_PARAMS', /^guestPath: \/workspace\/ is a folder/, expect.anything()),
    )
    // A failed download leaves neither the destination nor a temporary file.
    await expect(cp(id, 'out', join(dl, 'gone.txt'), '/workspace/gone.txt')).rejects.toEqual(
      refusal('COMMAND_FAILED', /No such file or directory/, expect.anything()),
    )
    expect((await readdir(dl)).sort()).toEqual(['a.txt', 'b.txt'])
  })
})

describe('copy-out without replacing', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-copy-'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  /** A download that writes `text`, during which `meanwhile` runs (another writer). */
  const downloading = (text: string, meanwhile: () => Promise<void> = async () => {}) => ({
    cpIn: () => Promise.reject(new Error('not used')),
    cpOut: async (_machine: string, _guest: string, host: string) => {
      await writeFile(host, text)
      await meanwhile()
    },
  })

  it('refuses a file that appeared during the download, and keeps it', async () => {
    const dest = join(dir, 'race.txt')
    const smolvm = downloading('guest\n', () => writeFile(dest, 'appeared\n'))
    await expect(
      copyGuestFile(smolvm, 'm', { direction: 'out', hostPath: dest, guestPath: '/w/race.txt' }),
    ).rejects.toMatchObject({ code: 'CONFLICT', details: { path: dest } })
    expect(await readFile(dest, 'utf8')).toBe('appeared\n')
    expect(await readdir(dir)).toEqual(['race.txt'])
  })

  it('replaces through a symlink the file it names', async () => {
    const real = join(dir, 'real.txt')
    const link = join(dir, 'link.txt')
    await writeFile(real, 'old\n')
    await symlink(real, link)
    await copyGuestFile(downloading('new\n'), 'm', {
      direction: 'out',
      hostPath: link,
      guestPath: '/w/x',
      overwrite: true,
    })
    expect(await readFile(real, 'utf8')).toBe('new\n')
    expect((await stat(link)).isFile()).toBe(true)
  })
})
