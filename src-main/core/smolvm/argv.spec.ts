import { describe, expect, it } from 'vitest'
import {
  cpInArgv,
  cpOutArgv,
  dataDirArgv,
  envArgs,
  machineCreateArgv,
  machineDeleteArgv,
  machineExecArgv,
  machineListArgv,
  machineStartArgv,
  machineStatusArgv,
  machineStopArgv,
  packCreateArgv,
  sessionArgv,
  versionArgv,
} from './argv'
import type { GuestEnvVar } from './types'
import { parseSmolvmVersion } from './version'

const v = (raw: string) => parseSmolvmVersion(`smolvm ${raw}`)!
/** An argv written as one line (none of these arguments contains a space). */
const words = (line: string): string[] => line.split(' ')
const env: GuestEnvVar[] = [
  { key: 'HTTPS_PROXY', value: 'http://10.231.0.2:8888', secret: false },
  { key: 'ANTHROPIC_API_KEY', value: 'sk-ant-secret', secret: true },
]
const create = {
  name: 'claude-bottle-abc',
  from: '/cache/agent.smolmachine',
  allowCidrs: ['10.231.0.2/32'],
  env,
  cpus: 2,
  memoryMib: 4096,
  volumes: [
    { host: '/Users/me/proj', guest: '/workspace', readOnly: false },
    { host: '/Users/me/ref', guest: '/ref', readOnly: true },
  ],
  workdir: '/workspace',
}
const tail = words(
  '--from /cache/agent.smolmachine --allow-cidr 10.231.0.2/32 -e HTTPS_PROXY=http://10.231.0.2:8888 -e ANTHROPIC_API_KEY --cpus 2 --mem 4096 -v /Users/me/proj:/workspace -v /Users/me/ref:/ref:ro -w /workspace',
)

describe.each([
  ['0.8.2', false],
  ['1.0.1', false],
  ['1.0.2', true],
  ['1.7.0', true],
  ['1.9.3', true],
])('argv for smolvm %s', (raw, nameFlag) => {
  const version = v(raw)
  const named = (name: string) => (nameFlag ? ['--name', name] : [name])

  it('machine create: name per dialect, secrets by reference only', () => {
    const { args, hostEnv } = machineCreateArgv(version, create)
    expect(args).toEqual(['machine', 'create', ...named('claude-bottle-abc'), ...tail])
    expect(hostEnv).toEqual({ ANTHROPIC_API_KEY: 'sk-ant-secret' })
    expect(args.join(' ')).not.toContain('sk-ant-secret')
  })

  it('machine delete always forces, data-dir names per dialect', () => {
    expect(machineDeleteArgv(version, 'b1')).toEqual(['machine', 'delete', ...named('b1'), '-f'])
    expect(dataDirArgv(version, 'b1')).toEqual(['machine', 'data-dir', ...named('b1')])
  })

  it('start, stop, status, ls, exec and cp are the same in every release', () => {
    expect(versionArgv()).toEqual(['--version'])
    expect(machineStartArgv('b1')).toEqual(['machine', 'start', '--name', 'b1'])
    expect(machineStopArgv('b1')).toEqual(['machine', 'stop', '--name', 'b1'])
    expect(machineStatusArgv('b1')).toEqual(['machine', 'status', '--name', 'b1', '--json'])
    expect(machineListArgv()).toEqual(['machine', 'ls', '--json'])
    expect(cpInArgv('b1', '/h/a.txt', '/workspace/a.txt')).toEqual(
      words('machine cp /h/a.txt b1:/workspace/a.txt'),
    )
    expect(cpOutArgv('b1', '/workspace/o.json', '/h/o.json')).toEqual(
      words('machine cp b1:/workspace/o.json /h/o.json'),
    )
    expect(
      packCreateArgv({ image: 'node:22-alpine', output: '/cache/agent', cpus: 2, memoryMib: 4096 }),
    ).toEqual(words('pack create --image node:22-alpine -o /cache/agent --cpus 2 --mem 4096'))
  })
})

describe('exec argv', () => {
  it('captured: --name (never -n), every flag before --', () => {
    const { args, hostEnv } = machineExecArgv('b1', ['claude', '-p', '--verbose'], {
      workdir: '/workspace',
      env,
      interactive: true,
      timeoutMs: 1500.2,
    })
    expect(args).toEqual(
      words(
        'machine exec --name b1 -w /workspace -e HTTPS_PROXY=http://10.231.0.2:8888 -e ANTHROPIC_API_KEY -i --timeout 1501ms -- claude -p --verbose',
      ),
    )
    expect(hostEnv).toEqual({ ANTHROPIC_API_KEY: 'sk-ant-secret' })
  })

  it('streaming adds --stream', () => {
    expect(machineExecArgv('b1', ['make'], { stream: true }).args).toEqual(
      words('machine exec --name b1 --stream -- make'),
    )
  })

  it('session: -i -t, TERM, a UTF-8 LANG, workdir, env, then the command', () => {
    const { args, hostEnv } = sessionArgv('b1', { workdir: '/workspace', env, command: ['claude'] })
    expect(args).toEqual(
      words(
        'machine exec --name b1 -i -t -e TERM=xterm-256color -e LANG=C.UTF-8 -w /workspace -e HTTPS_PROXY=http://10.231.0.2:8888 -e ANTHROPIC_API_KEY -- claude',
      ),
    )
    expect(hostEnv).toEqual({ ANTHROPIC_API_KEY: 'sk-ant-secret' })
    const own = sessionArgv('b1', {
      workdir: '/w',
      env: [{ key: 'TERM', value: 'screen', secret: false }],
      command: ['sh'],
    })
    expect(own.args.filter((a) => a.startsWith('TERM='))).toEqual(['TERM=screen'])
    // The agent's own locale wins.
    const locale = sessionArgv('b1', {
      workdir: '/w',
      env: [{ key: 'LC_ALL', value: 'de_DE.UTF-8', secret: false }],
      command: ['sh'],
    })
    expect(locale.args.filter((a) => a.startsWith('LANG=') || a.startsWith('LC_ALL='))).toEqual([
      'LC_ALL=de_DE.UTF-8',
    ])
  })
})

describe('argv guards', () => {
  it('treats a key that looks secret as secret even when not flagged', () => {
    expect(envArgs([{ key: 'GH_TOKEN', value: 'ghp_x', secret: false }])).toEqual({
      args: ['-e', 'GH_TOKEN'],
      hostEnv: { GH_TOKEN: 'ghp_x' },
    })
  })

  it('refuses what smolvm would misread', () => {
    expect(() => machineStartArgv('-rf')).toThrow(/invalid machine name/)
    expect(() => machineStartArgv('a--b')).toThrow(/invalid machine name/)
    expect(() => machineStartArgv('a-')).toThrow(/invalid machine name/)
    expect(() => envArgs([{ key: 'A=B', value: 'x', secret: false }])).toThrow(
      /invalid guest env key/,
    )
    expect(() => envArgs([{ key: 'PATH', value: 'x', secret: true }])).toThrow(
      /cannot be passed by reference/,
    )
    expect(() => packCreateArgv({ image: 'alpine', output: '/c/agent.smolmachine' })).toThrow(
      /without \.smolmachine/,
    )
    expect(() => cpInArgv('b1', '/h/a:b', '/w/x')).toThrow(/containing ':'/)
    // The caller's input, not a bug: the RPC answers INVALID_PARAMS, not INTERNAL.
    expect(() => cpInArgv('b1', 'rel/path', '/w/x')).toThrow(
      expect.objectContaining({ code: 'INVALID_PARAMS' }),
    )
    expect(() => cpInArgv('b1', '/h/a', 'relative')).toThrow(/absolute/)
    expect(() => machineExecArgv('b1', [], {})).toThrow(/empty command/)
    expect(() =>
      machineCreateArgv(v('1.9.3'), {
        ...create,
        volumes: [{ host: 'rel', guest: '/w', readOnly: false }],
      }),
    ).toThrow(/absolute/)
  })
})
