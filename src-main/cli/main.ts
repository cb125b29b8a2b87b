import { UsageError, parseArgs } from './args'
import type { CliCommand, CliIO } from './command'
import { serveCommand } from './serve'
import { attachCliCommand } from './commands/attach'
import { cacheCommand } from './commands/cache'
import { cpCommand } from './commands/cp'
import { doctorCommand } from './commands/doctor'
import { execCommand } from './commands/exec'
import { launchCommand } from './commands/launch'
import { lsCommand } from './commands/ls'
import { orphansCommand } from './commands/orphans'
import { rmCommand, stopCommand } from './commands/stop'
import { isRpcError } from '../../src-shared/rpc/errors'

/** Every `bot-bottle` command. Add new ones here. */
const COMMANDS: CliCommand[] = [
  doctorCommand,
  lsCommand,
  launchCommand,
  attachCliCommand,
  stopCommand,
  rmCommand,
  execCommand,
  cpCommand,
  cacheCommand,
  orphansCommand,
  serveCommand,
]

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'Usage: bot-bottle <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `bot-bottle <command> --help` for a command’s options.',
  ].join('\n')
}

export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [name, ...rest] = argv
  const io: CliIO = {
    out: (t) => process.stdout.write(t + '\n'),
    err: (t) => process.stderr.write(t + '\n'),
    env,
    interrupted: new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    }),
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage())
    return name ? 0 : 2
  }
  if (name === '--version') {
    io.out(env.BOT_BOTTLE_VERSION ?? '0.1.0')
    return 0
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (!command) {
    io.err(`bot-bottle: unknown command '${name}'\n\n${usage()}`)
    return 2
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.summary}`)
    return 0
  }
  try {
    return await command.run(parseArgs(rest, command.options), io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`bot-bottle ${name}: ${e.message}\nUsage: ${command.usage}`)
      return 2
    }
    io.err(`bot-bottle ${name}: ${isRpcError(e) || e instanceof Error ? e.message : String(e)}`)
    return 1
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bot-bottle: ${e instanceof Error ? e.message : String(e)}\n`)
      process.exit(1)
    },
  )
}
