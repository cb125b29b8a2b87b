import { closeSync, existsSync, openSync, readSync, realpathSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM } from '../../../test-tools/fake-smolvm/harness'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createSmolvm } from './smolvm'

/**
 * The original system's smoke test against a REAL smolvm: `echo hello-from-vm`
 * round-trips through exec. Runs when BOT_BOTTLE_REAL_SMOLVM names a smolvm
 * or a smolvm on PATH is not the fake; needs a registry for `pack create`.
 */
/** The fake is one bundled script; its text names its own sidecar marker. */
function looksLikeTheFake(path: string): boolean {
  if (existsSync(FAKE_SMOLVM) && realpathSync(path) === realpathSync(FAKE_SMOLVM)) return true
  const fd = openSync(path, 'r')
  try {
    const head = Buffer.alloc(1 << 20)
    return head.subarray(0, readSync(fd, head, 0, head.length, 0)).includes('fake_smolvm_sidecar')
  } finally {
    closeSync(fd)
  }
}

function findRealSmolvm(): { binary: string } | { reason: string } {
  const candidates = process.env.BOT_BOTTLE_REAL_SMOLVM
    ? [process.env.BOT_BOTTLE_REAL_SMOLVM]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, 'smolvm'))
  for (const c of candidates) {
    if (!existsSync(c)) continue
    if (!looksLikeTheFake(c)) return { binary: c }
  }
  return {
    reason: process.env.BOT_BOTTLE_REAL_SMOLVM
      ? `BOT_BOTTLE_REAL_SMOLVM=${process.env.BOT_BOTTLE_REAL_SMOLVM} is missing or is the fake`
      : 'no real smolvm (set BOT_BOTTLE_REAL_SMOLVM=<path>, or put smolvm on PATH; it needs KVM or Hypervisor.framework)',
  }
}

const found = findRealSmolvm()
if ('reason' in found) console.warn(`[skip] real smolvm smoke test: ${found.reason}`)

describe.skipIf('reason' in found)('real smolvm', () => {
  const name = `bot-bottle-smoke-${process.pid}`
  const smolvm = createSmolvm({
    binary: 'binary' in found ? found.binary : '',
    runner: new CommandRunner(),
    logger: nullLogger,
  })
  let dir = ''

  afterAll(async () => {
    await smolvm.machineDelete(name).catch(() => undefined)
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it(
    'round-trips echo hello-from-vm through exec',
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'real-smolvm-'))
      const pack = await smolvm.packCreate({
        image: process.env.BOT_BOTTLE_SMOKE_IMAGE ?? 'alpine:latest',
        output: join(dir, 'smoke'),
      })
      await smolvm.machineCreate({ name, from: pack.sidecar, allowCidrs: [], env: [] })
      await smolvm.machineStart(name)
      const r = await smolvm.exec(name, ['echo', 'hello-from-vm'], { timeoutMs: 60_000 })
      expect(r).toMatchObject({ exitCode: 0, stdout: 'hello-from-vm\n' })
      await smolvm.machineStop(name)
      expect(await smolvm.machineDelete(name)).toEqual({ existed: true })
    },
    30 * 60_000,
  )
})
