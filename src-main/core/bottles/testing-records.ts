import type { Bottle } from '../../../src-shared/contract'
import type { BottleRecord } from './metadata'

/**
 * Test helper (never used by the app): a valid bottle record, running, with
 * no resources; `o` overrides the record's fields and `o.bottle` its bottle's.
 */
export function makeRecord(
  id: string,
  o: Partial<Omit<BottleRecord, 'bottle'>> & { bottle?: Partial<Bottle> } = {},
): BottleRecord {
  const { bottle, ...record } = o
  return {
    schema: 1,
    homeId: 'h',
    ownerPid: null,
    resources: [],
    secretKeys: [],
    sessionCommand: ['sh'],
    setupDone: false,
    cpus: 1,
    memoryMib: 512,
    ...record,
    bottle: {
      id,
      agent: 'tester',
      projectDir: '/tmp',
      copyWorkdir: false,
      machineName: `claude-bottle-${id}`,
      workdir: '/workspace',
      state: 'running',
      stateDetail: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      endedAt: null,
      network: null,
      bundle: null,
      pack: null,
      env: [],
      egress: [],
      smolvmVersion: null,
      steps: [],
      error: null,
      ...bottle,
    },
  }
}
