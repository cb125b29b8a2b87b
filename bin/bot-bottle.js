#!/usr/bin/env node
// The `bot-bottle` CLI: runs the built main bundle (npm run build first).
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const entry = join(__dirname, '..', 'out', 'main', 'cli.js')
if (!existsSync(entry)) {
  process.stderr.write(
    'bot-bottle: not built yet. Run `npm run build` in ' + join(__dirname, '..') + '\n',
  )
  process.exit(1)
}
require(entry)
  .main(process.argv.slice(2))
  .then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write('bot-bottle: ' + (e && e.message ? e.message : String(e)) + '\n')
      process.exit(1)
    },
  )
