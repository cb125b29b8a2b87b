import { describe, expect, it } from 'vitest'
import { compareVersions, parseSmolvmVersion, smolvmFeatures, versionAtLeast } from './version'

describe('smolvm version', () => {
  it('parses `smolvm --version`', () => {
    expect(parseSmolvmVersion('smolvm 0.8.2\n')).toEqual({
      raw: '0.8.2',
      major: 0,
      minor: 8,
      patch: 2,
    })
    expect(parseSmolvmVersion('smolvm 1.10.0-rc.1')).toEqual({
      raw: '1.10.0-rc.1',
      major: 1,
      minor: 10,
      patch: 0,
    })
    expect(parseSmolvmVersion('some warning\nsmolvm 1.9.3\n')?.raw).toBe('1.9.3')
    expect(parseSmolvmVersion('smolvm version one')).toBeNull()
    expect(parseSmolvmVersion('')).toBeNull()
  })

  it('compares numerically, not as text', () => {
    const v = (s: string) => parseSmolvmVersion(`smolvm ${s}`)!
    expect(compareVersions(v('1.10.0'), v('1.9.3'))).toBeGreaterThan(0)
    expect(versionAtLeast(v('1.0.2'), '1.0.2')).toBe(true)
    expect(versionAtLeast(v('1.0.1'), '1.0.2')).toBe(false)
  })

  it('knows what changed between releases', () => {
    const f = (s: string) => smolvmFeatures(parseSmolvmVersion(`smolvm ${s}`)!)
    expect(f('0.8.2')).toEqual({
      nameFlag: false,
      fromKeepsEgressPolicy: false,
      startNeedsSidecar: true,
      deleteWaitsForVmm: false,
      pullsByDigest: false,
    })
    expect(f('1.0.2').nameFlag).toBe(true)
    expect(f('1.0.4').pullsByDigest).toBe(false)
    expect(f('1.1.0').pullsByDigest).toBe(true)
    expect(f('1.7.9').fromKeepsEgressPolicy).toBe(false)
    expect(f('1.8.0').fromKeepsEgressPolicy).toBe(true)
    expect(f('1.7.1').deleteWaitsForVmm).toBe(false)
    expect(f('1.9.3')).toMatchObject({
      startNeedsSidecar: false,
      deleteWaitsForVmm: true,
    })
  })
})
