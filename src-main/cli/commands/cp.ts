import { UsageError } from '../args'
import { jsonOption, type CliCommand } from '../command'
import { findBottle, hostPath, positional, printJson, withBackend } from './common'

/** `<bottle>:<absolute guest path>`; anything else is a host path. */
function guestSide(arg: string): { ref: string; path: string } | null {
  const m = /^([a-z0-9][a-z0-9-]*):(\/.*)$/.exec(arg)
  return m ? { ref: m[1] as string, path: m[2] as string } : null
}

export const cpCommand: CliCommand = {
  name: 'cp',
  summary: 'Copy one file into or out of a bottle',
  usage:
    'bot-bottle cp <bottle>:<guest path> <host path>  |  bot-bottle cp <host path> <bottle>:<guest path>',
  options: { ...jsonOption },
  async run(args, io) {
    const src = positional(args, 0, 'source')
    const dst = positional(args, 1, 'destination')
    const from = guestSide(src)
    const to = guestSide(dst)
    if ((from === null) === (to === null)) {
      throw new UsageError('exactly one side must be <bottle>:<absolute guest path>')
    }
    const guest = (from ?? to) as { ref: string; path: string }
    const host = hostPath(from ? dst : src)
    const direction = from ? 'out' : 'in'
    const result = await withBackend(io, async ({ bottles }) => {
      await bottles.load()
      const { id } = findBottle(bottles.list(), guest.ref)
      return { id, ...(await bottles.cp(id, direction, host, guest.path)) }
    })
    if (args.options.json)
      printJson(io, { direction, hostPath: host, guestPath: guest.path, ...result })
    else
      io.out(
        direction === 'in'
          ? `copied ${result.bytes} bytes to ${result.id}:${guest.path}`
          : `copied ${result.bytes} bytes to ${host}`,
      )
    return 0
  },
}
