import { attachCommand } from '../attach'
import type { CliCommand } from '../command'
import { findBottle, positional, withBackend } from './common'

/** `bot-bottle attach <bottle>`: the bottle's agent in this terminal. */
export const attachCliCommand: CliCommand = {
  name: 'attach',
  summary: 'Join a running bottle’s agent session in this terminal',
  usage: 'bot-bottle attach <bottle>',
  options: {},
  run: (args, io) =>
    withBackend(io, async (backend) => {
      const bottle = findBottle(backend.bottles.list(), positional(args, 0, 'bottle'))
      return attachCommand({
        bottleId: bottle.id,
        sessionCommand: (id) => backend.bottles.sessionCommand(id, 'agent'),
        err: io.err,
      })
    }),
}
