import type { Bottle } from '../../../src-shared/contract'
import { RpcClient } from '../../../src-shared/rpc/client'
import { resolvePaths } from '../../core/config/paths'
import { connectLocalEndpoint } from '../../local/local-client'
import { attachCommand, joinAgentSession } from '../attach'
import type { CliCommand, CliIO } from '../command'
import { findBottle, positional, withBackend } from './common'

/** How long a backend that accepted the connection has to answer before it is taken for hung. */
const FIRST_ANSWER_TIMEOUT_MS = 5000

/**
 * `bot-bottle attach <bottle>`: the bottle's agent in this terminal. With the
 * app or `serve` running for this home, joins the agent session it runs;
 * otherwise starts a new agent process in the bottle.
 */
export const attachCliCommand: CliCommand = {
  name: 'attach',
  summary: 'Join a running bottle’s agent session in this terminal (detach: Ctrl-])',
  usage: 'bot-bottle attach <bottle>',
  options: {},
  async run(args, io) {
    const ref = positional(args, 0, 'bottle')
    const joined = await joinRunningBackend(ref, io)
    if (joined !== null) return joined
    return withBackend(io, async (backend) => {
      const bottle = findBottle(backend.bottles.list(), ref)
      return attachCommand({
        bottleId: bottle.id,
        sessionCommand: (id) => backend.bottles.sessionCommand(id, 'agent'),
        err: io.err,
      })
    })
  },
}

/** The exit code of a join through the local endpoint, or null (said why) when no backend answers. */
async function joinRunningBackend(ref: string, io: CliIO): Promise<number | null> {
  const local = await connectLocalEndpoint(resolvePaths(io.env).dataDir)
  if ('unavailable' in local) {
    io.err(`${local.unavailable}: starting a new agent process in the bottle`)
    return null
  }
  const client = new RpcClient(local.transport)
  try {
    let bottles: Bottle[]
    try {
      bottles = await client.call('bottles.list', {}, { timeoutMs: FIRST_ANSWER_TIMEOUT_MS })
    } catch (e) {
      io.err(
        `the app or serve did not answer (${(e as Error).message}): starting a new agent process in the bottle`,
      )
      return null
    }
    return await joinAgentSession({
      client,
      bottle: findBottle(bottles, ref),
      err: io.err,
      interrupted: io.interrupted,
    })
  } finally {
    client.dispose()
  }
}
