import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Teardown } from '../../src-shared/contract'
import { need } from '../../test-support/prereqs'
import { createBackend } from './backend'
import { makeTestBottles, type TestBottles } from './bottles/testing'
import { waitFor } from './sessions/testing'

// Subnet pool of this file: 10.213.208.0/24.
const POOL = '10.213.208.0/24'

describe.runIf(need('docker') && need('netns'))(
  'the agent session of a bottle (app and serve modes)',
  () => {
    let t: TestBottles
    beforeAll(async () => {
      t = await makeTestBottles({ pool: POOL, mode: 'serve' })
    })
    afterAll(async () => t?.cleanup())

    async function launchRunning(): Promise<string> {
      const { bottles } = t.backend
      const launched = await bottles.launch({ agent: 'tester', projectDir: t.projectDir })
      const bottle = await bottles.settled(launched.id)
      expect(bottle.state).toBe('running')
      return bottle.id
    }

    function nextTeardown(id: string): Promise<Teardown> {
      return new Promise((resolve) => {
        const sub = t.backend.bottles.onEvent((e) => {
          if (e.kind === 'teardown' && e.teardown.id === id) {
            sub.dispose()
            resolve(e.teardown)
          }
        })
      })
    }

    it('starts when the bottle runs, and its own exit tears the bottle down with the exit code', async () => {
      const id = await launchRunning()
      const [agent] = t.backend.sessions.list(id)
      expect(agent).toMatchObject({ kind: 'agent', state: 'running' })
      const teardown = nextTeardown(id)
      t.backend.sessions.input(agent!.id, 'exit 7\r')
      await expect(teardown).resolves.toMatchObject({
        reason: 'session-ended',
        exitCode: 7,
        agent: 'tester',
      })
      expect((await teardown).detail).toContain('exit code 7')
      expect(t.backend.bottles.get(id).state).toBe('stopped')
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    })

    it('a running bottle adopted after a restart gets its agent again, once', async () => {
      const id = await launchRunning()
      // The app restarts (the bottle was left running): a new backend on the same home.
      const again = await createBackend({ mode: 'serve', env: t.env, watch: false })
      try {
        const adopted = await again.reconciler.reconcile()
        expect(adopted.adopted).toContain(id)
        const agent = await waitFor('the adopted bottle’s agent', () =>
          again.sessions.list(id).find((s) => s.kind === 'agent' && s.state === 'running'),
        )
        // Closed on purpose: later looks do not open it again.
        await again.sessions.close(agent!.id)
        await again.reconciler.tick()
        await again.reconciler.reconcile()
        expect(again.sessions.list(id).map((s) => [s.kind, s.state])).toEqual([['agent', 'exited']])
        expect(again.bottles.get(id).state).toBe('running')
      } finally {
        again.dispose()
      }
      await t.backend.bottles.stop(id)
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    })

    it('closing the agent session on request leaves the bottle running', async () => {
      const id = await launchRunning()
      const [agent] = t.backend.sessions.list(id)
      await t.backend.sessions.close(agent!.id)
      expect(t.backend.sessions.get(agent!.id).state).toBe('exited')
      expect(t.backend.bottles.get(id).state).toBe('running')
      const teardown = nextTeardown(id)
      await t.backend.bottles.stop(id)
      await expect(teardown).resolves.toMatchObject({ reason: 'stopped' })
      expect(await t.leftovers()).toEqual({ networks: [], containers: [], machines: [] })
    })
  },
)
