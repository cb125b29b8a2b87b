// `npm test`: everything CI checks, in order, stopping at the first failure.
// Tests that need Docker or Chromium skip with a hint locally and fail under CI=true.
import { spawnSync } from 'node:child_process'

const steps = [
  ['type-check', 'npm', ['run', '-s', 'typecheck']],
  ['lint', 'npm', ['run', '-s', 'lint']],
  ['format', 'npm', ['run', '-s', 'format:check']],
  ['build', 'npm', ['run', '-s', 'build']],
  ['unit + integration (vitest)', 'npx', ['vitest', 'run']],
  ['browser e2e (playwright)', 'npx', ['playwright', 'test']],
]

const timings = []
for (const [name, cmd, args] of steps) {
  console.log(`\n━━ ${name} ━━`)
  const started = Date.now()
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env })
  timings.push([name, Date.now() - started])
  if (r.status !== 0) {
    console.error(`\n✖ ${name} failed (exit ${r.status ?? r.signal})`)
    process.exit(r.status ?? 1)
  }
}
console.log('\n━━ all passed ━━')
for (const [name, ms] of timings) console.log(`  ${name.padEnd(32)} ${(ms / 1000).toFixed(1)} s`)
