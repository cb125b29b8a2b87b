import { describe, expect, it } from 'vitest'
import type { BottleState } from '../../../src-shared/contract'
import type { BottleRecord } from '../bottles/metadata'
import type { Observation } from '../bottles/observe'
import { makeRecord } from '../bottles/testing-records'
import type { ContainerInfo, NetworkInfo } from '../docker/types'
import { initialSteps } from '../launch/steps'
import { resourceLabels, resourceNames } from '../plan/names'
import type { MachineInfo } from '../smolvm/types'
import { findOrphans, judgeBottles, type JudgeInput } from './classify'

const HOME = 'home0000000a'
const T0 = Date.parse('2026-03-01T10:00:00.000Z')

function record(id: string, state: BottleState, over: Partial<BottleRecord> = {}): BottleRecord {
  const n = resourceNames(id)
  return makeRecord(id, {
    homeId: HOME,
    resources:
      state === 'running'
        ? [
            { kind: 'network', name: n.network, state: 'created' },
            { kind: 'container', name: n.bundle, state: 'created' },
            { kind: 'machine', name: n.machine, state: 'created' },
          ]
        : [],
    setupDone: true,
    ...over,
    bottle: {
      projectDir: `/p/${id}`,
      machineName: n.machine,
      state,
      createdAt: new Date(T0 - 60_000).toISOString(),
      startedAt: state === 'running' ? new Date(T0 - 30_000).toISOString() : null,
      smolvmVersion: '1.9.3',
      steps: initialSteps(),
      ...over.bottle,
    },
  })
}

function vm(id: string, state: string): MachineInfo {
  return {
    name: resourceNames(id).machine,
    state,
    pid: 1,
    cpus: 1,
    memoryMib: 512,
    createdAt: 0,
    image: null,
    ephemeral: false,
    network: true,
    raw: {},
  }
}

function bundle(
  id: string,
  state: string,
  exitCode: number | null = null,
  home = HOME,
): ContainerInfo {
  return {
    id: `c-${id}`,
    name: resourceNames(id).bundle,
    image: 'bundle',
    state,
    exitCode,
    labels: resourceLabels(id, home, 'bundle'),
    ips: {},
  }
}

function network(id: string): NetworkInfo {
  return {
    id: `n-${id}`,
    name: resourceNames(id).network,
    subnets: ['10.213.0.0/28'],
    labels: resourceLabels(id, HOME, 'network'),
  }
}

function seen(o: Partial<Observation>): Observation {
  return { listedAt: T0, machines: [], containers: [], networks: null, errors: {}, ...o }
}

function judge(records: BottleRecord[], s: Observation, over: Partial<JudgeInput> = {}) {
  return judgeBottles({
    records,
    seen: s,
    busy: () => false,
    driven: () => false,
    suspects: new Map(),
    unreachableGraceMs: 30_000,
    leftovers: false,
    ...over,
  })
}

describe('judging bottles', () => {
  it('finds a running bottle alive, or dead with the reason and the exit code', () => {
    const records = ['up', 'novm', 'stopped', 'gone', 'exited'].map((id) => record(id, 'running'))
    const j = judge(
      records,
      seen({
        machines: [
          vm('up', 'running'),
          vm('stopped', 'stopped'),
          vm('gone', 'running'),
          vm('exited', 'running'),
        ],
        containers: [
          bundle('up', 'running'),
          bundle('novm', 'running'),
          bundle('stopped', 'running'),
          bundle('exited', 'exited', 137),
        ],
      }),
    )
    expect(j.alive).toEqual(['up'])
    expect(j.repairs.map((r) => [r.id, r.repair])).toEqual([
      [
        'novm',
        expect.objectContaining({
          kind: 'died',
          reason: 'vm-died',
          detail: 'the VM is gone (smolvm no longer lists claude-bottle-novm)',
        }),
      ],
      [
        'stopped',
        expect.objectContaining({
          reason: 'vm-died',
          detail: 'the VM stopped (smolvm reports it stopped)',
        }),
      ],
      [
        'gone',
        expect.objectContaining({
          reason: 'bundle-died',
          detail: 'the bundle container claude-bottle-gone-bundle is gone',
        }),
      ],
      [
        'exited',
        expect.objectContaining({
          reason: 'bundle-died',
          detail: 'bundle container exited (code 137)',
          exitCode: 137,
        }),
      ],
    ])
  })

  it('never judges what it could not see, what is busy, or what became running after the listing', () => {
    const late = record('late', 'running')
    late.bottle.startedAt = new Date(T0 + 1).toISOString()
    const records = [record('a', 'running'), record('busy', 'running'), late]
    // smolvm could not be asked: the VMs are not judged, the bundles still are.
    const j = judge(records, seen({ machines: null, containers: [bundle('a', 'running')] }), {
      busy: (id) => id === 'busy',
    })
    expect(j.repairs).toEqual([])
    expect(judge(records, seen({ machines: null, containers: null })).repairs).toEqual([])
  })

  it('asks an unreachable VM itself only once smolvm has said so for the grace period', () => {
    const records = [record('u', 'running'), record('gone', 'running')]
    const at = (ms: number, bundles = [bundle('u', 'running'), bundle('gone', 'running')]) =>
      seen({
        listedAt: T0 + ms,
        machines: [vm('u', 'unreachable'), vm('gone', 'stopped')],
        containers: bundles,
      })
    const first = judge(records, at(0))
    // A stopped VM (its process gone) is dead at once; an unreachable one is only suspect.
    expect(first.repairs.map((r) => r.id)).toEqual(['gone'])
    expect(first.alive).toEqual([])
    expect([...first.suspects]).toEqual([['u', T0]])
    const later = judge(records, at(29_999), { suspects: first.suspects })
    expect([...later.suspects]).toEqual([['u', T0]])
    expect(later.confirm).toEqual([])
    expect(later.repairs.map((r) => r.id)).toEqual(['gone'])
    const due = judge(records, at(30_000), { suspects: later.suspects })
    expect(due.confirm).toEqual([
      {
        id: 'u',
        machineName: 'claude-bottle-u',
        since: T0,
        startedAt: records[0]?.bottle.startedAt,
      },
    ])
    expect(due.suspects.size).toBe(0)
    expect(due.alive).toEqual([])
    // Answering in between starts the period again.
    expect([...judge(records, at(30_000)).suspects]).toEqual([['u', T0 + 30_000]])
    // A dead bundle needs no asking.
    const both = judge(records, at(30_000, [bundle('u', 'exited', 1)]), {
      suspects: first.suspects,
    })
    expect(both.confirm).toEqual([])
    expect(both.repairs.map((r) => [r.id, (r.repair as { reason: string }).reason])).toEqual([
      ['u', 'bundle-died'],
      ['gone', 'vm-died'],
    ])
  })

  it('finishes launches and teardowns no live process drives, and (fully) leftovers of ended bottles', () => {
    const leftover = record('left', 'failed', {
      resources: [{ kind: 'network', name: 'claude-bottle-left', state: 'created' }],
    })
    const records = [
      record('l', 'launching'),
      record('s', 'stopping'),
      record('driven', 'launching', { ownerPid: 42 }),
      leftover,
    ]
    const s = seen({})
    const driven = (r: BottleRecord) => r.ownerPid === 42
    expect(judge(records, s, { driven }).repairs.map((r) => [r.id, r.repair.kind])).toEqual([
      ['l', 'interrupted'],
      ['s', 'interrupted'],
    ])
    expect(judge(records, s, { driven, leftovers: true }).repairs.map((r) => r.id)).toEqual([
      'l',
      's',
      'left',
    ])
    // The teardown needs smolvm and docker: not while one cannot be asked.
    expect(judge(records, seen({ containers: null }), { driven }).repairs).toEqual([])
  })
})

describe('finding orphans', () => {
  const base = { busy: () => false, driven: () => false, unknownMachines: true }

  it('reports resources no record lists, and spares those of bottles in flux or of another install', () => {
    const records = [
      record('run', 'running'),
      record('ended', 'failed'),
      record('launch', 'launching', { ownerPid: 42 }),
    ]
    const orphans = findOrphans({
      ...base,
      driven: (r) => r.ownerPid === 42,
      records,
      seen: seen({
        machines: [
          vm('run', 'running'),
          vm('ended', 'stopped'),
          vm('launch', 'created'),
          vm('stray', 'running'),
          vm('theirs', 'running'),
          { ...vm('x', 'running'), name: 'not-a-bottle' },
        ],
        containers: [
          bundle('run', 'running'),
          bundle('ghost', 'exited', 1),
          bundle('launch', 'running'),
        ],
        networks: [network('run'), network('ended'), network('launch')],
      }),
      foreignSlugs: new Set(['theirs']),
    })
    expect(orphans.map((o) => [o.id, o.slug, o.detail])).toEqual([
      [
        'machine:claude-bottle-ended',
        'ended',
        'VM (stopped) of bottle ended (failed) that its record does not list',
      ],
      [
        'machine:claude-bottle-stray',
        'stray',
        'VM (running) of a bottle this Bot Bottle has no record of',
      ],
      [
        'container:claude-bottle-ghost-bundle',
        'ghost',
        'bundle container (exited, code 1) of a bottle this Bot Bottle has no record of',
      ],
      [
        'network:claude-bottle-ended',
        'ended',
        'docker network (10.213.0.0/28) of bottle ended (failed) that its record does not list',
      ],
    ])
    // A look that cannot tell another install's machines apart leaves unknown machines out.
    expect(
      findOrphans({
        ...base,
        unknownMachines: false,
        records,
        seen: seen({ machines: [vm('stray', 'running')] }),
      }),
    ).toEqual([])
  })
})
