import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CommandRunner, commandError } from './exec'
import { nullLogger } from './logger'

describe('CommandRunner', () => {
  const runner = new CommandRunner(nullLogger)

  it('feeds stdin from text, bytes, or a file streamed from disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bb-exec-'))
    try {
      const file = join(dir, 'in.bin')
      const big = Buffer.alloc(3 * 1024 * 1024, 'x')
      await writeFile(file, big)
      const run = (input: Parameters<CommandRunner['run']>[0]['input']) =>
        runner.run({ file: 'wc', args: ['-c'], timeoutMs: 10_000, input })
      expect((await run('hello')).stdout.trim()).toBe('5')
      expect((await run(Buffer.from([1, 2, 3]))).stdout.trim()).toBe('3')
      expect((await run({ file })).stdout.trim()).toBe(String(big.length))
      // No input: stdin is closed, the child does not wait for it.
      expect((await run(undefined)).stdout.trim()).toBe('0')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('says what ran and what it said when it fails, secrets masked', async () => {
    const spec = {
      file: 'sh',
      args: ['-c', 'echo "token sk-ant-12345678 rejected" >&2; exit 3'],
      timeoutMs: 10_000,
      secrets: ['sk-ant-12345678'],
    }
    const e = commandError(spec, await runner.run(spec))
    expect(e.code).toBe('COMMAND_FAILED')
    expect(e.details).toMatchObject({ exitCode: 3, stderr: 'token •••• rejected' })
    expect(JSON.stringify(e.toShape())).not.toContain('sk-ant-12345678')
  })
})
