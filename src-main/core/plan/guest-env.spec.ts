import { describe, expect, it } from 'vitest'
import { AgentSpec } from '../manifest/schema'
import { bundleEnv, guestEnv, maskedEnv, resolveAgentEnv, resolveVolumes } from './guest-env'

const agent = (over: Record<string, unknown> = {}): AgentSpec =>
  AgentSpec.parse({ image: 'docker.io/library/node:22', session: ['claude'], ...over })

const asMap = (vars: { key: string; value: string }[]): Record<string, string> =>
  Object.fromEntries(vars.map((v) => [v.key, v.value]))

describe('bundleEnv', () => {
  it('points every proxy variable at the bundle, and keeps loopback direct', () => {
    const env = asMap(bundleEnv('10.213.4.2', { git: false, supervise: false }))
    expect(env).toEqual({
      HTTPS_PROXY: 'http://10.213.4.2:8888',
      HTTP_PROXY: 'http://10.213.4.2:8888',
      https_proxy: 'http://10.213.4.2:8888',
      http_proxy: 'http://10.213.4.2:8888',
      NO_PROXY: 'localhost,127.0.0.1',
      no_proxy: 'localhost,127.0.0.1',
    })
  })

  it('adds the git gate and supervise URLs only for an agent that has them', () => {
    const both = asMap(bundleEnv('10.213.4.2', { git: true, supervise: true }))
    expect(both.GIT_GATE_URL).toBe('git://10.213.4.2:9418')
    expect(both.MCP_SUPERVISE_URL).toBe('http://10.213.4.2:9100')
    const gitOnly = asMap(bundleEnv('10.213.4.2', { git: true, supervise: false }))
    expect(gitOnly.GIT_GATE_URL).toBe('git://10.213.4.2:9418')
    expect(gitOnly).not.toHaveProperty('MCP_SUPERVISE_URL')
    // 9099 is the bundle's internal port: no variable ever names it.
    expect(JSON.stringify(both)).not.toContain(':9099')
  })
})

describe('resolveAgentEnv and guestEnv', () => {
  it('resolves host references, marks secrets by name or by source, and leaves out what is unset', () => {
    const { vars, warnings } = resolveAgentEnv(
      agent({
        env: {
          ANTHROPIC_API_KEY: '${ANTHROPIC_API_KEY}',
          GH: '${GITHUB_TOKEN}',
          MODE: 'plain-${USER}',
          MISSING: '${NOT_SET_ANYWHERE}',
        },
      }),
      { ANTHROPIC_API_KEY: 'sk-ant-1', GITHUB_TOKEN: 'ghp_2', USER: 'ada' },
    )
    expect(vars).toEqual([
      { key: 'ANTHROPIC_API_KEY', value: 'sk-ant-1', secret: true },
      { key: 'GH', value: 'ghp_2', secret: true },
      { key: 'MODE', value: 'plain-ada', secret: false },
    ])
    expect(warnings).toEqual([
      expect.stringMatching(/^MISSING left out: NOT_SET_ANYWHERE is not set/),
    ])
    expect(maskedEnv(vars).map((v) => v.value)).toEqual(['••••', '••••', 'plain-ada'])

    // The agent's own variables come first; Bot Bottle's own follow.
    const all = guestEnv(vars, '10.213.4.2', { git: false, supervise: false })
    expect(all.slice(0, 3)).toEqual(vars)
    expect(asMap(all).HTTPS_PROXY).toBe('http://10.213.4.2:8888')
  })
})

describe('resolveVolumes', () => {
  it('resolves ${PROJECT_DIR} and refuses what smolvm cannot mount, naming the entry', () => {
    expect(
      resolveVolumes(agent({ volumes: ['${PROJECT_DIR}/cache:/cache'] }), '/home/ada/p', {}),
    ).toEqual([{ host: '/home/ada/p/cache', guest: '/cache', readOnly: true }])
    expect(() =>
      resolveVolumes(agent({ volumes: ['/ok:/a', '${NOPE}/x:/b'] }), '/home/ada/p', {}),
    ).toThrow(/^volumes\.1: NOPE is not set/)
  })
})
