import { RpcError, isRpcError } from '../../../src-shared/rpc/errors'
import { UsageError } from '../args'
import { jsonOption, type CliCommand } from '../command'
import { findBottle, hostPath, positional, printJson, withBackend } from './common'

/** `<bottle>:<absolute guest path>`; anything else is a host path. */
function guestSide(arg: string): { ref: string; path: string } | null {
  const m = /^([a-z0-9][a-z0-9-]*):(\/.*)$/.exec(arg)
  return m ? { ref: m[1] as string, path: m[2] as string } : null
}

/** Absolute, keeping a trailing `/` ("into this folder"), which resolving drops. */
function hostArg(arg: string): string {
  const path = hostPath(arg)
  return arg.endsWith('/') && !path.endsWith('/') ? `${path}/` : path
}

/** The backend's refusal to replace a host file, saying how to. */
function forceHint(e: unknown): never {
  const path = isRpcError(e) && e.code === 'CONFLICT' && (e.details as { path?: unknown })?.path
  if (typeof path === 'string')
    throw new RpcError('CONFLICT', `${path} already exists (--force replaces it)`, { path })
  throw e
}

export const cpCommand: CliCommand = {
  name: 'cp',
  summary: 'Copy one file into or out of a bottle (--force replaces an existing host file)',
  usage:
    'bot-bottle cp [--force] [--json] <bottle>:<guest file> <host file | host folder/>  |  ' +
    'bot-bottle cp [--json] <host file> <bottle>:<guest file | guest folder/>',
  options: { force: { type: 'boolean' }, ...jsonOption },
  async run(args, io) {
    const src = positional(args, 0, 'source')
    const dst = positional(args, 1, 'destination')
    const from = guestSide(src)
    const to = guestSide(dst)
    if ((from === null) === (to === null)) {
      throw new UsageError('exactly one side must be <bottle>:<absolute guest path>')
    }
    const guest = (from ?? to) as { ref: string; path: string }
    const direction = from ? 'out' : 'in'
    const overwrite = args.options.force === true
    const result = await withBackend(io, async ({ bottles }) => {
      await bottles.load()
      const { id } = findBottle(bottles.list(), guest.ref)
      const host = hostArg(from ? dst : src)
      const copied = await bottles
        .cp(id, direction, host, guest.path, { overwrite })
        .catch(forceHint)
      return { id, ...copied }
    })
    if (args.options.json) printJson(io, { direction, ...result })
    else
      io.out(
        direction === 'in'
          ? `copied ${result.bytes} bytes to ${result.id}:${result.guestPath}`
          : `copied ${result.bytes} bytes to ${result.hostPath}`,
      )
    return 0
  },
}
