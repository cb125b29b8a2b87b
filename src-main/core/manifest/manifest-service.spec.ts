import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nullLogger } from '../base/logger'
import { ManifestService } from './manifest-service'

const agent = (name: string, description: string): string =>
  `  ${name}:\n    description: ${description}\n    image: node:22\n`
const manifestOf = (...agents: string[]): string => `version: 1\nagents:\n${agents.join('')}`

describe('ManifestService', () => {
  let dir: string
  let service: ManifestService

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-manifest-'))
    service = new ManifestService(join(dir, 'manifest.yaml'), nullLogger)
  })
  afterEach(async () => {
    service.dispose()
    await rm(dir, { recursive: true, force: true })
  })

  it('saves over the version it was based on, and the saved state carries the new one', async () => {
    await writeFile(service.path, manifestOf(agent('claude', 'one')))
    const opened = await service.get()
    const edited = manifestOf(agent('claude', 'two'))
    const saved = await service.save(edited, opened.version)
    expect(await readFile(service.path, 'utf8')).toBe(edited)
    expect(saved.version).not.toBe(opened.version)
    expect(saved.version).toBe((await service.get()).version)
    // The saved state is the base of the next save.
    const again = manifestOf(agent('claude', 'three'))
    await service.save(again, saved.version)
    expect(await readFile(service.path, 'utf8')).toBe(again)
  })

  it('refuses a save based on a version the file is no longer at, and leaves the file alone', async () => {
    await writeFile(service.path, manifestOf(agent('claude', 'one')))
    const opened = await service.get()
    // Another editor adds an agent while the first one still shows the old text.
    const onDisk = manifestOf(agent('claude', 'one'), agent('other', 'added elsewhere'))
    await writeFile(service.path, onDisk)
    await expect(
      service.save(manifestOf(agent('claude', 'changed')), opened.version),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(`${service.path} changed on disk since it was opened`),
    })
    expect(await readFile(service.path, 'utf8')).toBe(onDisk)

    // Based on the file's current version (the editor's "Overwrite"), it saves.
    const current = await service.get()
    expect(current.agents.map((a) => a.name)).toEqual(['claude', 'other'])
    const mine = manifestOf(agent('claude', 'changed'))
    await service.save(mine, current.version)
    expect(await readFile(service.path, 'utf8')).toBe(mine)
  })

  it('lets only the first of two saves based on the same version through', async () => {
    await writeFile(service.path, manifestOf(agent('claude', 'one')))
    const { version } = await service.get()
    const first = manifestOf(agent('claude', 'first'))
    const results = await Promise.allSettled([
      service.save(first, version),
      service.save(manifestOf(agent('claude', 'second')), version),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected'])
    expect(await readFile(service.path, 'utf8')).toBe(first)
  })

  it('refuses a save when the file was deleted since it was read', async () => {
    const { version } = await service.get()
    await rm(service.path)
    await expect(service.save(manifestOf(agent('claude', 'x')), version)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('(it was deleted)'),
    })
  })

  it('refuses invalid text before looking at the version', async () => {
    const { version } = await service.get()
    const before = await readFile(service.path, 'utf8')
    await expect(
      service.save('agents:\n  claude:\n    image: x\n    cpus: lots\n', version),
    ).rejects.toMatchObject({ code: 'INVALID_PARAMS' })
    expect(await readFile(service.path, 'utf8')).toBe(before)
  })
})
