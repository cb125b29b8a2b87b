import { egressRulesCli } from './cli'
import { init } from './init'
import { jsonLog } from './log'

// One file, two roles: the bundle's init (no arguments) and the admin CLI
// the app runs through `docker exec` (`egress-rules get|set`).
const [command, ...rest] = process.argv.slice(2)
if (command === undefined || command === 'init') {
  void init(process.env, (scope) => jsonLog(scope))
} else if (command === 'egress-rules') {
  void egressRulesCli(rest).then((code) => process.exit(code))
} else {
  process.stderr.write(`bundle.js: unknown command "${command}" (expected: init, egress-rules)\n`)
  process.exit(2)
}
