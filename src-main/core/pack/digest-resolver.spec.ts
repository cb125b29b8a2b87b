import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDigestResolver } from './digest-resolver'
import { isLocalRegistry, parseImageRef } from './image-ref'
import { startTestRegistry, type TestRegistry } from './test-registry'

describe('parseImageRef', () => {
  it('applies docker’s defaults', () => {
    expect(parseImageRef('node:22-bookworm-slim')).toMatchObject({
      domain: 'docker.io',
      apiHost: 'registry-1.docker.io',
      repository: 'library/node',
      tag: '22-bookworm-slim',
      canonical: 'docker.io/library/node:22-bookworm-slim',
    })
    expect(parseImageRef('docker.io/library/node:22-bookworm-slim')?.canonical).toBe(
      'docker.io/library/node:22-bookworm-slim',
    )
    expect(parseImageRef('ghcr.io/org/tool')).toMatchObject({
      domain: 'ghcr.io',
      repository: 'org/tool',
      tag: 'latest',
    })
    expect(parseImageRef('localhost:5000/a/b:1')).toMatchObject({
      domain: 'localhost:5000',
      repository: 'a/b',
      tag: '1',
    })
    const pinned = `alpine:3.20@sha256:${'a'.repeat(64)}`
    expect(parseImageRef(pinned)?.digest).toBe(`sha256:${'a'.repeat(64)}`)
    for (const bad of ['', 'UPPER/case', 'a b', 'x:', 'x:/y', '-x'])
      expect(parseImageRef(bad), bad).toBeNull()
  })

  it('allows plain http only for registries on this machine', () => {
    expect(isLocalRegistry('localhost:5000')).toBe(true)
    expect(isLocalRegistry('127.0.0.1:5000')).toBe(true)
    expect(isLocalRegistry('[::1]:5000')).toBe(true)
    expect(isLocalRegistry('registry.example.com')).toBe(false)
    expect(isLocalRegistry('localhost.evil.com')).toBe(false)
  })
})

describe('the digest resolver', () => {
  let registry: TestRegistry
  beforeAll(async () => {
    registry = await startTestRegistry()
  })
  afterAll(async () => registry?.close())

  it('follows the anonymous bearer-token challenge to the digest', async () => {
    registry.tags.set('team/app:2', `sha256:${'b'.repeat(64)}`)
    expect(await createDigestResolver()(`${registry.host}/team/app:2`)).toEqual({
      digest: `sha256:${'b'.repeat(64)}`,
      reason: null,
    })
  })

  it('says why when there is no digest to be had', async () => {
    expect(await createDigestResolver()(`${registry.host}/team/missing:1`)).toEqual({
      digest: null,
      reason: `${registry.host} has no team/missing:1`,
    })
    expect((await createDigestResolver()('NOT A REF')).reason).toMatch(/not an image reference/)
  })

  it('asks remote registries over https only, and nothing at all for a pinned digest', async () => {
    const urls: string[] = []
    const spy = (async (url: string | URL | Request) => {
      urls.push(String(url))
      throw new TypeError('fetch failed')
    }) as typeof fetch
    const resolve = createDigestResolver({ fetch: spy })
    expect((await resolve('node:22')).reason).toMatch(/registry docker\.io unreachable/)
    expect(urls).toEqual(['https://registry-1.docker.io/v2/library/node/manifests/22'])
    const pinned = `node:22@sha256:${'c'.repeat(64)}`
    expect(await resolve(pinned)).toEqual({ digest: `sha256:${'c'.repeat(64)}`, reason: null })
    expect(urls).toHaveLength(1)
  })
})
