// `npm run bench`: bundles every bench/*.bench.ts with esbuild (packages stay
// external) and runs them one after another, printing named figures.
// Usage: npm run bench [-- <filter>]
import { build } from 'esbuild'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildTestTools } from './build-test-tools.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const filter = process.argv[2] ?? ''
const require = createRequire(import.meta.url)

await buildTestTools()
const files = (await readdir(join(root, 'bench')))
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort()
const rows = []
let failed = false
for (const file of files) {
  const outfile = join(root, 'out', 'bench', file.replace(/\.ts$/, '.cjs'))
  await build({
    entryPoints: [join(root, 'bench', file)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  })
  const mod = require(outfile)
  const run = mod.default ?? mod.run
  const tmpDir = await mkdtemp(join(tmpdir(), 'bb-bench-'))
  console.log(`\n▶ ${file}`)
  try {
    const figures = await run({ root, tmpDir, log: (m) => console.log(`  ${m}`) })
    for (const f of figures) rows.push({ module: file.replace('.bench.ts', ''), ...f })
  } catch (e) {
    failed = true
    console.error(`  ✖ ${file} failed: ${e?.stack ?? e}`)
  } finally {
    await rm(tmpDir, { recursive: true, force: true })
  }
}

console.log('\nfigure'.padEnd(48) + 'value'.padStart(14) + '  unit      goal        result')
for (const r of rows) {
  const value = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(3)
  const result = r.pass === undefined ? '' : r.pass ? 'met' : 'NOT MET'
  console.log(
    `${r.module}.${r.name}`.padEnd(48) +
      value.padStart(14) +
      `  ${r.unit.padEnd(9)} ${(r.goal ?? '').padEnd(11)} ${result}` +
      (r.note ? `  (${r.note})` : ''),
  )
}
if (failed) process.exitCode = 1
