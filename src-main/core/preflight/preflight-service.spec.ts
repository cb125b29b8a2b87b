import { describe, expect, it } from 'vitest'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'
import { PreflightService } from './preflight-service'

/** Deps whose smolvm lives at `binary.path` (changed like the Settings path) and whose docker answers. */
function deps(binary: { path: string }, asked: { count: number }) {
  return {
    smolvm: async () => {
      asked.count++
      if (!binary.path.startsWith('/good/')) throw new Error(`${binary.path} does not exist`)
      const version = { raw: '1.9.3', major: 1, minor: 9, patch: 3 }
      // Preflight only asks a smolvm for its binary and version.
      return { binary: binary.path, version: async () => version } as Partial<Smolvm> as Smolvm
    },
    docker: () =>
      ({ binary: 'docker', serverVersion: async () => '20.10' }) as Partial<Docker> as Docker,
    platform: 'linux' as const,
    arch: 'x64',
    kvmAccess: async (): Promise<void> => {},
  }
}

describe('PreflightService', () => {
  it('reuses a passed report for launches until it is invalidated', async () => {
    const binary = { path: '/good/smolvm' }
    const asked = { count: 0 }
    const preflight = new PreflightService(deps(binary, asked))
    expect((await preflight.run()).ok).toBe(true)
    expect((await preflight.recent()).ok).toBe(true)
    expect(asked.count).toBe(1)

    // The smolvm path changed in Settings: the passed report no longer speaks for it.
    binary.path = '/bad/smolvm'
    preflight.invalidate()
    const report = await preflight.recent()
    expect(asked.count).toBe(2)
    expect(report.ok).toBe(false)
    expect(report.checks.find((c) => c.id === 'smolvm')?.detail).toContain('/bad/smolvm')
  })
})
