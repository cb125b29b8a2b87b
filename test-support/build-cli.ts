import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'

const ROOT = resolve(__dirname, '..')

/**
 * The `bot-bottle` CLI built from source, for tests that run it as its own
 * process (`node <file> …`): out/test-cli/<name>-<pid>.cjs, inside the
 * checkout so its externals (native or worker-loaded) come from node_modules.
 * The caller removes the file.
 */
export async function buildCli(name: string): Promise<string> {
  const dir = join(ROOT, 'out', 'test-cli')
  await mkdir(dir, { recursive: true })
  const outfile = join(dir, `${name}-${process.pid}.cjs`)
  await build({
    entryPoints: [join(ROOT, 'src-main/cli/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    external: ['node-pty', 'electron', '@xterm/headless'],
    logLevel: 'warning',
  })
  return outfile
}
