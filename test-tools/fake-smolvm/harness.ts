import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import type { Control } from './control'

/**
 * For tests that drive the fake smolvm (built by the vitest global setup to
 * out/test-tools/fake-smolvm): a private HOME with the fake's state, its env,
 * its control file and its argv log, and a cleanup that stops every VM it
 * started (namespaces included) before removing the HOME.
 */

export const FAKE_SMOLVM = fileURLToPath(
  new URL('../../out/test-tools/fake-smolvm', import.meta.url),
)

export interface ArgvLogLine {
  time: string
  argv: string[]
  cwd: string
  envKeys: string[]
}

export interface FakeResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface FakeHome {
  home: string
  /** HOME and XDG dirs pointing into `home`, plus the played version. */
  env: Record<string, string>
  /** Writes `$HOME/.smolvm-fake/control.json` (read by every later invocation). */
  control(control: Control): Promise<void>
  argvLog(): Promise<ArgvLogLine[]>
  run(
    args: readonly string[],
    options?: { input?: string; env?: Record<string, string>; cwd?: string },
  ): Promise<FakeResult>
  /** Stops the VMs still running and removes the HOME. */
  cleanup(): Promise<void>
}

export async function makeFakeHome(
  options: { version?: string; env?: Record<string, string> } = {},
): Promise<FakeHome> {
  const home = await mkdtemp(join(tmpdir(), 'fake-smolvm-'))
  const env: Record<string, string> = {
    HOME: home,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    SMOLVM_FAKE_VERSION: options.version ?? '1.9.3',
    ...options.env,
  }
  const fakeDir = join(home, '.smolvm-fake')
  const run: FakeHome['run'] = async (args, o = {}) => {
    const r = await execa(FAKE_SMOLVM, [...args], {
      env: { ...env, ...o.env },
      extendEnv: true,
      input: o.input,
      stdin: o.input === undefined ? 'ignore' : 'pipe',
      cwd: o.cwd ?? home,
      reject: false,
      stripFinalNewline: false,
      timeout: 60_000,
    })
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) }
  }
  return {
    home,
    env,
    run,
    async control(control) {
      await mkdir(fakeDir, { recursive: true })
      await writeFile(join(fakeDir, 'control.json'), JSON.stringify(control))
    },
    async argvLog() {
      const text = await readFile(join(fakeDir, 'argv.log'), 'utf8').catch(() => '')
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as ArgvLogLine)
    },
    async cleanup() {
      // Delete stops a running VM and drops the namespace of a dead one.
      await rm(join(fakeDir, 'control.json'), { force: true })
      const latest = { SMOLVM_FAKE_VERSION: '1.9.3' }
      const list = await run(['machine', 'ls', '--json'], { env: latest })
      const machines = list.exitCode === 0 ? (JSON.parse(list.stdout) as { name: string }[]) : []
      for (const m of machines)
        await run(['machine', 'delete', '--name', m.name, '-f'], { env: latest })
      await rm(home, { recursive: true, force: true })
    },
  }
}
