import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createSmolvm } from '../smolvm/smolvm'
import { copyWorkdir, ensureGuestDir, GUEST_ARCHIVE_NAME } from './copy-workdir'
import { listProjectFiles } from './project-files'

const runner = new CommandRunner()

async function tree(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true })
    await writeFile(join(root, path), text)
  }
}

describe('listProjectFiles', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-proj-'))
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  const files = {
    'README.md': 'r',
    '.gitignore': 'node_modules/\n*.log\n!keep.log\n',
    'src/a.ts': 'a',
    'src/.gitignore': 'generated/\n',
    'src/generated/x.ts': 'x',
    'node_modules/pkg/index.js': 'n',
    'debug.log': 'd',
    'keep.log': 'k',
  }

  it('walks the folder with its .gitignore files when it is not a git work tree', async () => {
    await tree(dir, files)
    expect((await listProjectFiles(dir, runner)).sort()).toEqual([
      '.gitignore',
      'README.md',
      'keep.log',
      'src/.gitignore',
      'src/a.ts',
    ])
  })

  it('asks git in a work tree: tracked and untracked-not-ignored files, not deleted ones', async () => {
    await tree(dir, files)
    const git = (...args: string[]): void => {
      execFileSync('git', ['-C', dir, '-c', 'user.email=t@t', '-c', 'user.name=t', ...args], {
        stdio: 'ignore',
      })
    }
    git('init', '-q')
    await tree(dir, { 'tracked-then-deleted.txt': 'x', 'forced.log': 'f' })
    git('add', '.')
    git('add', '-f', 'forced.log')
    git('commit', '-q', '-m', 'init')
    await rm(join(dir, 'tracked-then-deleted.txt'))
    await tree(dir, { 'untracked.txt': 'u', 'untracked.log': 'ignored' })
    expect((await listProjectFiles(dir, runner)).sort()).toEqual([
      '.gitignore',
      'README.md',
      'forced.log',
      'keep.log',
      'src/.gitignore',
      'src/a.ts',
      'untracked.txt',
    ])
  })
})

describe('copyWorkdir into the fake smolvm guest', () => {
  let fake: FakeHome
  let project: string
  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'bb-copy-'))
  })
  afterEach(async () => {
    await fake?.cleanup()
    await rm(project, { recursive: true, force: true })
  })

  async function machine(
    version: string,
  ): Promise<{ smolvm: ReturnType<typeof createSmolvm>; guestDir: string }> {
    fake = await makeFakeHome({ version })
    const smolvm = createSmolvm({ binary: FAKE_SMOLVM, runner, logger: nullLogger, env: fake.env })
    const pack = await smolvm.packCreate({
      image: 'localhost:49151/x:1',
      output: join(fake.home, 'packs', 'x'),
    })
    await smolvm.machineCreate({ name: 'copy-test', from: pack.sidecar, allowCidrs: [], env: [] })
    await smolvm.machineStart('copy-test')
    const guestDir = join(await smolvm.dataDir('copy-test'), 'rootfs')
    return { smolvm, guestDir }
  }

  for (const [version, how] of [
    ['1.9.3', 'streamed into tar -x'],
    ['1.8.0', 'copied as an archive, extracted and removed (stdin EAGAIN before 1.8.1)'],
  ] as const) {
    it(`smolvm ${version}: ${how}`, async () => {
      await tree(project, {
        'a.txt': 'A',
        'deep/er/b.txt': 'B',
        '.gitignore': 'skip/\n',
        'skip/c.txt': 'C',
      })
      await symlink('a.txt', join(project, 'link'))
      const { smolvm, guestDir } = await machine(version)
      const target = { smolvm, machine: 'copy-test', workdir: '/work/space' }
      await ensureGuestDir(target)
      expect(await copyWorkdir(project, { ...target, runner })).toMatchObject({ files: 4 })
      const ws = join(guestDir, 'work', 'space')
      expect(await readFile(join(ws, 'deep/er/b.txt'), 'utf8')).toBe('B')
      expect(await readFile(join(ws, 'link'), 'utf8')).toBe('A')
      await expect(readFile(join(ws, 'skip/c.txt'))).rejects.toMatchObject({ code: 'ENOENT' })
      await expect(readFile(join(ws, GUEST_ARCHIVE_NAME))).rejects.toMatchObject({ code: 'ENOENT' })
      const streamed = (await fake.argvLog()).some(
        (l) => l.argv.includes('-i') && l.argv.includes('tar'),
      )
      expect(streamed).toBe(version === '1.9.3')
    })
  }

  it('smolvm 1.8.0: a cancel stops the archive copy at once', async () => {
    await tree(project, { 'a.txt': 'A' })
    const { smolvm } = await machine('1.8.0')
    await fake.control({ latencyMs: { 'machine.cp': 30_000 } })
    const target = { smolvm, machine: 'copy-test', workdir: '/workspace' }
    await ensureGuestDir(target)
    const controller = new AbortController()
    const copying = copyWorkdir(project, { ...target, runner, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('cancelled by the user')), 500)
    const started = Date.now()
    await expect(copying).rejects.toMatchObject({ code: 'CANCELLED' })
    // Not the cp's 30 s: the cancel ended it.
    expect(Date.now() - started).toBeLessThan(15_000)
  })

  it('copies an empty project (nothing to archive) without failing', async () => {
    const { smolvm } = await machine('1.9.3')
    const target = { smolvm, machine: 'copy-test', workdir: '/workspace' }
    await ensureGuestDir(target)
    expect(await copyWorkdir(project, { ...target, runner })).toMatchObject({ files: 0 })
  })
})
