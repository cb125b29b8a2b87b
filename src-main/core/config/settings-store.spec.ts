import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SettingsStore } from './settings-store'

describe('the bundleImage setting', () => {
  let dir: string
  let path: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-settings-'))
    path = join(dir, 'settings.json')
  })
  afterEach(async () => rm(dir, { recursive: true, force: true }))

  it('takes image references and refuses what docker run would read as an option or two words', async () => {
    const store = new SettingsStore(path)
    await store.load()
    const ok = 'localhost:5000/team/bundle:1.2@sha256:' + 'a'.repeat(64)
    expect((await store.update({ bundleImage: ok })).bundleImage).toBe(ok)
    for (const bad of ['--privileged', '-v/:/host', 'two words', 'img\n--rm', '']) {
      await expect(store.update({ bundleImage: bad }), bad).rejects.toMatchObject({
        code: 'INVALID_PARAMS',
        message: expect.stringMatching(/^invalid settings: bundleImage: /),
      })
    }
    // Nothing refused reached the file.
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ bundleImage: ok })
    expect((await store.update({ bundleImage: null })).bundleImage).toBeNull()
  })

  it('refuses a settings file holding an option as the image', async () => {
    await writeFile(path, JSON.stringify({ bundleImage: '--privileged' }))
    await expect(new SettingsStore(path).load()).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      message: expect.stringContaining('bundleImage: an image reference'),
    })
  })
})
