import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundleJs } from '../build.mjs'

/** The bundle's init as the container runs it: the esbuild output, under plain node. */
describe('bundle init (the built bundle.js)', () => {
  let dir: string
  let bundleJs: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bb-init-'))
    bundleJs = join(dir, 'bundle.js')
    await writeFile(bundleJs, await buildBundleJs())
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  function run(args: string[], env: Record<string, string>, opts: { term?: (stdout: string) => boolean } = {}) {
    const child = spawn(process.execPath, [bundleJs, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
      if (opts.term?.(stdout)) child.kill('SIGTERM')
    })
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; lines: Record<string, unknown>[] }>((resolve) =>
      child.on('close', (code, signal) =>
        resolve({ code, signal, stdout, stderr, lines: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }),
      ),
    )
  }

  it('idles with no daemons selected and exits 0 on SIGTERM', async () => {
    const r = await run([], { BUNDLE_DAEMONS: '' }, { term: (out) => out.includes('no daemons selected') })
    expect(r.code).toBe(0)
    expect(r.lines[0]).toMatchObject({ type: 'log', level: 'info', scope: 'init', msg: 'no daemons selected' })
    expect(r.lines.at(-1)).toMatchObject({ msg: 'stopping', signal: 'SIGTERM' })
  })

  it('refuses unknown daemons and daemons of later builds with exit code 2', async () => {
    const unknown = await run([], { BUNDLE_DAEMONS: 'egress, bogus' })
    expect(unknown.code).toBe(2)
    expect(unknown.lines[0]).toMatchObject({ level: 'error', msg: expect.stringContaining('unknown daemon "bogus" (available: egress)') })
    const later = await run([], { BUNDLE_DAEMONS: 'git-gate' })
    expect(later.code).toBe(2)
    expect(later.lines[0]?.msg).toContain('"git-gate" is not part of this bundle build yet')
  })

  it('fails the start (exit 1) when the egress allowlist is invalid, naming the rule', async () => {
    const r = await run([], { BUNDLE_DAEMONS: 'egress', EGRESS_ALLOWLIST: '["ok.example.com", "*"]', EGRESS_RULES_FILE: '' })
    expect(r.code).toBe(1)
    expect(r.lines.at(-1)?.msg).toMatch(/egress failed to start: EGRESS_ALLOWLIST: invalid rules: "\*" \(a bare \* would allow every host/)
  })

  it('the admin CLI explains a missing daemon and its usage', async () => {
    const usage = await run(['egress-rules'], {})
    expect(usage.code).toBe(2)
    expect(usage.stderr).toMatch(/usage: bundle.js egress-rules get \| set/)
    const other = await run(['frobnicate'], {})
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/unknown command "frobnicate"/)
  })
})
