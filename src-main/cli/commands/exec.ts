import { UsageError } from '../args'
import { jsonOption, type CliCommand } from '../command'
import { findBottle, positional, printJson, stringOption, withBackend } from './common'

export const execCommand: CliCommand = {
  name: 'exec',
  summary: 'Run a command in a bottle and print its output; exits with its exit code',
  usage: 'bot-bottle exec <bottle> [--workdir DIR] [--timeout SECONDS] [--json] -- <command>…',
  options: { workdir: { type: 'string', short: 'w' }, timeout: { type: 'string' }, ...jsonOption },
  async run(args, io) {
    const ref = positional(args, 0, 'bottle')
    const command = [...args.positionals.slice(1), ...args.rest]
    if (command.length === 0) throw new UsageError('missing the command (after --)')
    const timeoutText = stringOption(args, 'timeout')
    const timeoutSec = timeoutText === undefined ? undefined : Number(timeoutText)
    if (timeoutSec !== undefined && !(timeoutSec > 0 && timeoutSec <= 3600)) {
      throw new UsageError(`--timeout: seconds from 1 to 3600, got ${timeoutText}`)
    }
    const result = await withBackend(io, async ({ bottles }) => {
      await bottles.load()
      const { id } = findBottle(bottles.list(), ref)
      return bottles.exec(id, command, {
        workdir: stringOption(args, 'workdir'),
        timeoutMs: timeoutSec === undefined ? undefined : timeoutSec * 1000,
      })
    })
    if (args.options.json) {
      printJson(io, result)
    } else {
      if (result.stdout) io.out(result.stdout.replace(/\n$/, ''))
      if (result.stderr) io.err(result.stderr.replace(/\n$/, ''))
    }
    return result.exitCode
  },
}
