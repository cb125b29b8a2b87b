import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeFakeHome, FAKE_SMOLVM, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createSmolvm } from './smolvm'
import type { Smolvm } from './types'

/** `exec --stream` against the fake smolvm: the guest's exit 1 versus smolvm's broken stream. */

describe('streaming exec', () => {
  let fake: FakeHome
  let smolvm: Smolvm
  const name = 'stream-exec-spec'
  const opts = { timeoutMs: 30_000 }

  beforeAll(async () => {
    fake = await makeFakeHome()
    const pack = join(fake.home, 'p')
    for (const args of [
      ['pack', 'create', '--image', 'alpine:3.20', '-o', pack],
      ['machine', 'create', '--name', name, '--from', `${pack}.smolmachine`],
      ['machine', 'start', '--name', name],
    ])
      expect((await fake.run(args)).exitCode).toBe(0)
    const runner = new CommandRunner()
    smolvm = createSmolvm({ binary: FAKE_SMOLVM, runner, logger: nullLogger, env: fake.env })
  })
  afterAll(async () => {
    await fake.cleanup()
  })

  it('leaves the guest its own `error:` and exit 1, and fails when smolvm’s stream breaks', async () => {
    const guest = [
      'sh',
      '-c',
      'echo out; echo "error: io operation failed: the guest’s" >&2; exit 1',
    ]
    // Under -i (no stream printer) the same last line is the guest's.
    expect(await smolvm.execStream(name, guest, { ...opts, input: '' }).done).toMatchObject({
      exitCode: 1,
    })
    const own = smolvm.execStream(name, ['sh', '-c', 'echo "error: no such ref" >&2; exit 1'], opts)
    expect(await own.done).toMatchObject({ exitCode: 1, stderr: 'error: no such ref\n' })

    await fake.control({
      fail: { 'machine.exec.stream': { message: 'io operation failed: connection reset by peer' } },
    })
    const broken = smolvm.execStream(name, ['sh', '-c', 'echo out; exit 0'], opts)
    const seen: string[] = []
    broken.onStdout((c) => seen.push(c))
    await expect(broken.done).rejects.toMatchObject({
      kind: 'other',
      message: `smolvm machine exec ${name}: error: io operation failed: connection reset by peer`,
    })
    expect(seen.join('')).toBe('out\n')
    await fake.control({})

    // The VM dies mid-stream: the agent connection closes under smolvm.
    const lost = smolvm.execStream(name, ['sh', '-c', 'echo up; sleep 30'], opts)
    await new Promise<void>((resolve) => lost.onStdout(() => resolve()))
    process.kill((await smolvm.machineStatus(name))?.pid as number, 'SIGKILL')
    await expect(lost.done).rejects.toMatchObject({
      message: `smolvm machine exec ${name}: error: io operation failed: connection closed`,
    })
  })
})
