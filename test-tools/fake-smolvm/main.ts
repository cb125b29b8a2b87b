/**
 * A strict fake of the smolvm CLI (shared/reference/smolvm-cli.md, checked
 * against smolvm's source): the grammar and messages of the release it plays,
 * its state under $HOME, detached "VMs" whose pid can be killed, execs run as
 * host processes inside the VM's network namespace, and knobs for tests
 * (control.ts). Every invocation is logged to $HOME/.smolvm-fake/argv.log.
 */
import { ClapError, has, HelpRequested, parse, type Grammar } from './clap'
import { machineCp } from './cmd-cp'
import { machineCreate } from './cmd-create'
import { machineExec } from './cmd-exec'
import { machineDelete, machineStart, machineStop } from './cmd-lifecycle'
import { packCreate } from './cmd-pack'
import { machineDataDir, machineList, machineStatus } from './cmd-query'
import type { Handler } from './context'
import {
  delay,
  latencyFor,
  logInvocation,
  playedVersion,
  readControl,
  takeFailure,
} from './control'
import { Failure, Unemulated } from './fail'
import { grammarFor, MACHINE_ALIASES, UNEMULATED, UNPLAYED } from './grammar'
import { parsePlayed, show } from './version'

const HANDLERS: Record<string, Handler> = {
  'machine create': machineCreate,
  'machine start': machineStart,
  'machine stop': machineStop,
  'machine delete': machineDelete,
  'machine status': machineStatus,
  'machine ls': machineList,
  'machine exec': machineExec,
  'machine cp': machineCp,
  'machine data-dir': machineDataDir,
  'pack create': packCreate,
}

const GROUPS: Record<string, string[]> = {
  machine: [
    'run',
    'exec',
    'create',
    'start',
    'stop',
    'delete',
    'status',
    'ls',
    'update',
    'images',
    'prune',
    'shell',
    'cp',
    'monitor',
    'data-dir',
  ],
  pack: ['create', 'run', 'push', 'pull', 'inspect', 'prune'],
}

function finish(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}

function help(grammar: Grammar | null): string {
  if (!grammar)
    return 'Build and run portable, self-contained virtual machines (fake smolvm)\n\nUsage: smolvm <COMMAND>\n'
  const flags = grammar.flags.map(
    (f) => `  ${f.short ? `-${f.short}, ` : '    '}--${f.long}${f.value ? ` <${f.value}>` : ''}`,
  )
  return `Usage: ${grammar.usage}\n\nOptions:\n${flags.join('\n')}\n`
}

/** `smolvm <group> <sub> …` → the command path and its own arguments; clap errors for what does not exist. */
function route(argv: string[]): { path: string; rest: string[] } {
  const [top, sub, ...rest] = argv
  const group = top === 'vm' ? 'machine' : (top as string)
  if (group === 'serve' || group === 'config') return { path: group, rest: [] }
  const subs = GROUPS[group]
  if (!subs) throw new ClapError(`unrecognized subcommand '${top}'`, 'smolvm <COMMAND>')
  if (sub === undefined || sub.startsWith('-')) {
    throw new ClapError(
      `'smolvm ${group}' requires a subcommand but one was not provided`,
      `smolvm ${group} <COMMAND>`,
    )
  }
  const name = group === 'machine' ? (MACHINE_ALIASES[sub] ?? sub) : sub
  if (!subs.includes(name))
    throw new ClapError(`unrecognized subcommand '${sub}'`, `smolvm ${group} <COMMAND>`)
  return { path: `${group} ${name}`, rest }
}

async function main(argv: string[]): Promise<number> {
  logInvocation(argv)
  const control = readControl()
  const version = parsePlayed(playedVersion(control))
  const first = argv[0]
  if (first === '--version' || first === '-V') {
    process.stdout.write(`smolvm ${show(version)}\n`)
    return 0
  }
  if (first === undefined || first === '--help' || first === '-h') {
    ;(first ? process.stdout : process.stderr).write(help(null))
    return first ? 0 : 2
  }
  const { path, rest } = route(argv)
  if (UNPLAYED.has(path)) throw new Unemulated(`does not play 'smolvm ${path}'`)
  const grammar = grammarFor(version, path) as Grammar
  let parsed
  try {
    parsed = parse(grammar, rest)
  } catch (e) {
    if (!(e instanceof HelpRequested)) throw e
    process.stdout.write(help(grammar))
    return 0
  }
  for (const id of UNEMULATED[path] ?? []) {
    if (has(parsed, id)) throw new Unemulated(`does not emulate '--${id}' of 'smolvm ${path}'`)
  }
  const key = path.replace(' ', '.')
  delay(latencyFor(control, key))
  const injected = takeFailure(control, key)
  if (injected) throw new Failure(injected.message, injected.exitCode ?? 1)
  return (HANDLERS[path] as Handler)({ version, parsed, control })
}

main(process.argv.slice(2)).then(finish, (e: unknown) => {
  if (e instanceof ClapError) {
    process.stderr.write(e.render())
    return finish(2)
  }
  if (e instanceof Unemulated) {
    process.stderr.write(
      `error: fake smolvm ${e.message}\n\nUsage: smolvm ${process.argv.slice(2, 4).join(' ')} …\n`,
    )
    return finish(2)
  }
  if (e instanceof Failure) {
    process.stderr.write(`Error: ${e.message}\n`)
    return finish(e.exitCode)
  }
  process.stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`)
  return finish(1)
})
