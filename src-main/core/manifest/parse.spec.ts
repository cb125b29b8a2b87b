import { describe, expect, it } from 'vitest'
import { defaultManifestText } from './default-manifest'
import { interpolate } from './interpolate'
import { parseManifest } from './parse'

describe('parseManifest', () => {
  it('accepts the default manifest and reads its claude agent', () => {
    const { manifest, issues } = parseManifest(defaultManifestText())
    expect(issues).toEqual([])
    const claude = manifest?.agents.claude
    expect(claude?.image).toBe('docker.io/library/node:22-bookworm-slim')
    expect(claude?.session).toEqual(['claude'])
    expect(claude?.memory).toBe(4096)
    expect(claude?.egress).toContain('api.anthropic.com')
    expect(claude?.egress).toContain('registry.npmjs.org')
    expect(claude?.setup[0]).toMatch(/npm install -g .*@anthropic-ai\/claude-code/)
    expect(claude?.env.ANTHROPIC_API_KEY).toBe('${ANTHROPIC_API_KEY}')
  })

  it('names path, line and column of each problem', () => {
    const text = [
      'agents:', //               1
      '  claude:', //             2
      '    image: node:22', //    3
      '    cpus: "two"', //       4
      '    envv: {}', //          5
      '    env:', //              6
      '      "BAD KEY": 1', //    7
      '      HTTPS_PROXY: x', //  8
    ].join('\n')
    const { manifest, issues } = parseManifest(text)
    expect(manifest).toBeNull()
    const by = Object.fromEntries(issues.map((i) => [i.path, i]))
    expect(by['agents.claude.cpus']).toMatchObject({
      line: 4,
      column: 11,
      message: 'expected number, got text',
    })
    expect(by['agents.claude.envv']).toMatchObject({ line: 5, column: 5 })
    expect(by['agents.claude.envv']?.message).toMatch(/unknown key “envv”.*env/)
    expect(by['agents.claude.env.BAD KEY']).toMatchObject({ line: 7, column: 7 })
    expect(by['agents.claude.env.HTTPS_PROXY']?.message).toMatch(/set by Bot Bottle/)
  })

  it('reports YAML syntax errors with their position', () => {
    const { issues } = parseManifest('agents:\n  claude: [\n')
    expect(issues[0]).toMatchObject({ path: '(yaml)' })
    expect(issues[0]?.line).toBeGreaterThan(0)
  })

  it('explains an unquoted wildcard rule, which YAML reads as an alias', () => {
    const { issues } = parseManifest(
      'agents:\n  a:\n    image: x\n    egress:\n      - *.example.com\n',
    )
    expect(issues).toEqual([
      {
        path: '(yaml)',
        message:
          '*.example.com is read as a YAML alias; quote it to write a wildcard rule: "*.example.com"',
        line: 5,
        column: 9,
      },
    ])
  })

  it('reports a missing required key at its parent', () => {
    const { issues } = parseManifest('agents:\n  claude:\n    cpus: 2\n')
    expect(issues).toEqual([
      { path: 'agents.claude.image', message: '“image” is required', line: 3, column: 5 },
    ])
  })

  it('rejects agent names, images, rules and paths that could become options or shell words', () => {
    const text = [
      'agents:',
      '  Bad_Name:',
      '    image: x',
      '  ok:',
      '    image: "-rf"',
      '    egress: ["https://evil.example", "api.example.com;rm -rf /", "*.fine.example:443"]',
      '    volumes: ["/a:/b:rw", "nope", {host: /x, guest: relative}]',
      '    workdir: /work/../etc',
      '    memory: 12T',
      '    env: {A: "${B", C: "${1X}"}',
    ].join('\n')
    const paths = parseManifest(text).issues.map((i) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        'agents.Bad_Name',
        'agents.ok.image',
        'agents.ok.egress.0',
        'agents.ok.egress.1',
        'agents.ok.volumes.1',
        'agents.ok.volumes.2.guest',
        'agents.ok.workdir',
        'agents.ok.memory',
        'agents.ok.env.A',
        'agents.ok.env.C',
      ]),
    )
    expect(paths).not.toContain('agents.ok.egress.2')
    expect(paths).not.toContain('agents.ok.volumes.0')
  })

  it('refuses git and supervise, which this build cannot start, naming the field and its line', () => {
    const text = [
      'agents:', //                 1
      '  a:', //                    2
      '    image: x', //            3
      '    git: true', //           4
      '    supervise: true', //     5
      '  b:', //                    6
      '    image: x', //            7
      '    git: false', //          8
      '    supervise: false', //    9
    ].join('\n')
    const { manifest, issues } = parseManifest(text)
    expect(manifest).toBeNull()
    expect(issues).toEqual([
      {
        path: 'agents.a.git',
        message: 'the git gate is not available in this version of Bot Bottle yet (leave it false)',
        line: 4,
        column: 10,
      },
      {
        path: 'agents.a.supervise',
        message:
          'the supervise MCP server is not available in this version of Bot Bottle yet (leave it false)',
        line: 5,
        column: 16,
      },
    ])
    const off = parseManifest(text.replace(/true/g, 'false'))
    expect(off.issues).toEqual([])
    expect(off.manifest?.agents.a).toMatchObject({ git: false, supervise: false })
    expect(off.manifest?.agents.b).toMatchObject({ git: false, supervise: false })
  })

  it('refuses a guest path mounted twice', () => {
    const { issues } = parseManifest(
      'agents:\n  a:\n    image: x\n    volumes: ["/a:/b", "/c:/b"]\n',
    )
    expect(issues).toMatchObject([
      { path: 'agents.a.volumes.1.guest', message: '/b is mounted twice', line: 4 },
    ])
  })

  it('reads volume shorthand and objects, read-only unless rw', () => {
    const { manifest } = parseManifest(
      'agents:\n  a:\n    image: x\n    volumes: ["${PROJECT_DIR}:/workspace:rw", {host: /data, guest: /data}]\n',
    )
    expect(manifest?.agents.a?.volumes).toEqual([
      { host: '${PROJECT_DIR}', guest: '/workspace', readOnly: false },
      { host: '/data', guest: '/data', readOnly: true },
    ])
  })

  it('survives fuzzed input without throwing', () => {
    const seeds = [
      defaultManifestText(),
      'agents: {a: {image: x, env: {K: v}}}',
      'agents:\n  a:\n    image: x\n    session: [claude, --flag]\n',
    ]
    const junk = [
      '\0',
      '{',
      '[',
      ':',
      '- ',
      '&a',
      '*a',
      '!!binary',
      '"',
      "'",
      '\t',
      '${',
      '$(rm -rf /)',
      '`id`',
      '\n',
      '#',
      '? ',
      '|',
      '>',
      '%YAML 1.1\n---\n',
      '<<: *a\n',
      '\u202e',
    ]
    let seed = 42
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    for (let i = 0; i < 1500; i++) {
      const base = seeds[rand(seeds.length)] as string
      let text = base
      for (let k = 0; k <= rand(4); k++) {
        const at = rand(text.length + 1)
        text = rand(2)
          ? text.slice(0, at) + junk[rand(junk.length)] + text.slice(at)
          : text.slice(0, at) + text.slice(at + rand(8))
      }
      const r = parseManifest(text)
      expect(r.manifest === null ? r.issues.length > 0 : r.issues.length === 0).toBe(true)
      for (const issue of r.issues) {
        expect(typeof issue.message).toBe('string')
        expect(issue.message.length).toBeGreaterThan(0)
      }
    }
  })

  it('refuses alias bombs', () => {
    const bomb =
      'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
    const r = parseManifest(bomb)
    expect(r.manifest).toBeNull()
    expect(r.issues.length).toBeGreaterThan(0)
  })
})

describe('interpolate', () => {
  it('expands references, defaults and $$', () => {
    expect(interpolate('${A}-${B:-dflt}-$$-$x', { A: 'a' })).toEqual({
      value: 'a-dflt-$-$x',
      missing: [],
      refs: ['A', 'B'],
    })
    expect(interpolate('${MISSING}', {})).toEqual({
      value: '',
      missing: ['MISSING'],
      refs: ['MISSING'],
    })
  })
})
