import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'

export const ROOT = resolve(__dirname, '..')

export interface ServeBackend {
  url: string
  origin: string
  token: string
  home: string
  env: NodeJS.ProcessEnv
  output(): string
  stop(): Promise<void>
}

/**
 * Starts `bot-bottle serve` (the built CLI: run `npm run build` first) with its
 * own BOT_BOTTLE_HOME, on a free loopback port, and waits for its URL.
 */
export async function startServeBackend(env: NodeJS.ProcessEnv = {}): Promise<ServeBackend> {
  const home = await mkdtemp(join(tmpdir(), 'bb-e2e-'))
  const token = randomBytes(16).toString('hex')
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, BOT_BOTTLE_HOME: home, ...env }
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'bot-bottle.js'), 'serve', '--port', '0', '--token', token],
    {
      env: fullEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  child.stdout?.on('data', (d) => (output += String(d)))
  child.stderr?.on('data', (d) => (output += String(d)))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start in 30 s:\n${output}`)),
      30_000,
    )
    const check = (): void => {
      const m = /serving the dashboard at (http:\/\/\S+)/.exec(output)
      if (m?.[1]) {
        clearTimeout(timer)
        resolveUrl(m[1])
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited with ${code}:\n${output}`))
    })
  })
  return {
    url,
    origin: new URL(url).origin,
    token,
    home,
    env: fullEnv,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      await rm(home, { recursive: true, force: true })
    },
  }
}
