// Builds the executables tests run (the fake smolvm, …) from test-tools/*
// into out/test-tools/. Each entry is bundled to one CommonJS file with a
// shebang, so it starts fast (no TypeScript loader at run time).
import { build } from 'esbuild'
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** test-tools/<name>/main.ts → out/test-tools/<name> */
export async function buildTestTools() {
  const srcDir = join(root, 'test-tools')
  const outDir = join(root, 'out', 'test-tools')
  await mkdir(outDir, { recursive: true })
  let names = []
  try {
    names = await readdir(srcDir)
  } catch {
    return []
  }
  const built = []
  for (const name of names) {
    const entry = join(srcDir, name, 'main.ts')
    try {
      await stat(entry)
    } catch {
      continue
    }
    const outfile = join(outDir, name)
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      banner: { js: '#!/usr/bin/env node' },
      logLevel: 'warning',
    })
    const code = result.outputFiles[0].contents
    // Parallel test runs may be executing the current file: replace it only
    // when it changed, and atomically (write a temp file, then rename).
    const current = await readFile(outfile).catch(() => null)
    if (!current || !Buffer.from(code).equals(current)) {
      const tmp = `${outfile}.${process.pid}.tmp`
      await writeFile(tmp, code, { mode: 0o755 })
      await chmod(tmp, 0o755)
      await rename(tmp, outfile).catch(async (e) => {
        await rm(tmp, { force: true })
        throw e
      })
    }
    built.push(outfile)
  }
  return built
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = await buildTestTools()
  for (const b of built) console.log(b)
}
