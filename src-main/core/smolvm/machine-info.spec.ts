import { describe, expect, it } from 'vitest'
import { parseMachineList, parseMachineStatus } from './machine-info'

// One element as smolvm 0.8.2 prints it (machine_status_json), plus a key from a later release.
const element = {
  cmd: [],
  cpus: 2,
  created_at: 1780000000,
  entrypoint: [],
  ephemeral: false,
  gpu: false,
  gpu_vram_mib: null,
  health_cmd: null,
  health_interval_secs: null,
  health_retries: null,
  health_startup_grace_secs: null,
  health_timeout_secs: null,
  image: 'node:22-alpine',
  memory_mib: 4096,
  mounts: 1,
  name: 'claude-bottle-a',
  network: true,
  overlay_gb: null,
  pid: 4242,
  ports: 0,
  restart_count: 0,
  restart_max_retries: 0,
  restart_policy: 'never',
  state: 'running',
  storage_gb: null,
  labels: { owner: 'x' },
}

describe('ls --json parsing', () => {
  it('maps the v0.8.2 keys, keeps the rest in raw and drops ephemeral machines', () => {
    const list = parseMachineList(
      JSON.stringify([element, { ...element, name: 'vm-1234abcd', ephemeral: true }]),
    )
    expect(list).toEqual([
      {
        name: 'claude-bottle-a',
        state: 'running',
        pid: 4242,
        cpus: 2,
        memoryMib: 4096,
        createdAt: 1780000000,
        image: 'node:22-alpine',
        ephemeral: false,
        network: true,
        raw: element,
      },
    ])
    expect(parseMachineList('[]\n')).toEqual([])
    expect(
      parseMachineStatus(JSON.stringify({ ...element, state: 'unreachable', pid: null })).state,
    ).toBe('unreachable')
  })

  it('fails clearly when smolvm changed its output', () => {
    expect(() => parseMachineList('No machines found\n', '9.0.0')).toThrow(
      /smolvm 9\.0\.0 machine ls --json: output is not JSON/,
    )
    const renamed = { ...element, state: undefined, status: 'running' }
    expect(() => parseMachineList(JSON.stringify([renamed]))).toThrow(
      /unexpected shape \(0\.state: /,
    )
    expect(() => parseMachineStatus(JSON.stringify([element]))).toThrow(/unexpected shape/)
  })
})
