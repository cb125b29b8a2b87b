import { build } from 'esbuild'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import * as nodePty from 'node-pty'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RpcError } from '../../src-shared/rpc/errors'
import { attachCommand } from './attach'

describe('attachCommand', () => {
  it('explains a bottle that is not running', async () => {
    const errors: string[] = []
    const code = await attachCommand({
      bottleId: 'demo',
      sessionCommand: async () => {
        throw new RpcError('PRECONDITION', 'bottle demo is not running')
      },
      err: (t) => errors.push(t),
      stdin: { isTTY: true, setRawMode: () => {} },
    })
    expect(code).toBe(1)
    expect(errors).toEqual(['cannot attach to demo: bottle demo is not running'])
  })

  it('refuses without a terminal', async () => {
    const errors: string[] = []
    const code = await attachCommand({
      bottleId: 'demo',
      sessionCommand: async () => ({ file: '/bin/true', args: [], env: {} }),
      err: (t) => errors.push(t),
      stdin: { isTTY: false },
    })
    expect(code).toBe(1)
    expect(errors[0]).toMatch(/stdin is not a TTY/)
  })

  describe('in a real terminal', () => {
    let dir: string
    let script: string

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'bb-attach-'))
      script = join(dir, 'attach-main.mjs')
      // A tiny CLI around attachCommand: the session reports its tty mode and
      // env, then the caller reports the mode it got back and the exit code.
      await build({
        stdin: {
          contents: `
            import { execFileSync } from 'node:child_process'
            import { attachCommand } from './attach'
            const mode = () => execFileSync('stty', ['-a'], { stdio: ['inherit', 'pipe', 'inherit'] }).toString()
            const code = await attachCommand({
              bottleId: 'demo',
              sessionCommand: async () => ({
                file: '/bin/sh',
                args: ['-c', 'stty -a | grep -o -- "-\\\\?icanon" | sed "s/^/IN:/"; echo "ENV:$BB_SECRET_TOKEN"; exit 5'],
                env: { BB_SECRET_TOKEN: 'from-env' },
              }),
              err: (t) => process.stderr.write(t + '\\n'),
            })
            process.stdout.write('OUT:' + (mode().match(/-?icanon/) ?? [''])[0] + '\\r\\nCODE:' + code + '\\r\\n')
          `,
          resolveDir: resolve(__dirname),
          loader: 'ts',
        },
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outfile: script,
        // execa's CommonJS dependencies call require().
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'error',
      })
    })

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('runs the session raw on this TTY and restores the terminal after', async () => {
      const pty = nodePty.spawn(process.execPath, [script], {
        name: 'xterm-256color',
        cols: 80,
        rows: 24,
      })
      let out = ''
      pty.onData((d) => (out += d))
      const exitCode = await new Promise<number>((r) => pty.onExit((e) => r(e.exitCode)))
      expect(exitCode, out).toBe(0)
      expect(out).toContain('IN:-icanon')
      expect(out).toContain('ENV:from-env')
      expect(out).toContain('OUT:icanon')
      expect(out).not.toContain('OUT:-icanon')
      expect(out).toContain('CODE:5')
    })
  })
})
