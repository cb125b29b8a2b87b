import { join } from 'node:path'
import { createBackend } from '../core/backend'
import { serveLocalEndpoint } from '../local/local-endpoint'
import { createHandlers } from '../rpc/handlers'
import { RpcServer } from '../rpc/server'
import { startServe } from '../serve/serve-server'
import type { CliCommand } from './command'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the backend without Electron and serve the dashboard to a browser',
  usage: 'bot-bottle serve [--port N] [--host 127.0.0.1] [--token T]',
  options: { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' } },
  async run(args, io) {
    const portText = args.options.port as string | undefined
    const port = portText === undefined ? 0 : Number(portText)
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      io.err(`--port: expected an integer from 0 to 65535, got ${JSON.stringify(portText)}`)
      return 2
    }
    const backend = await createBackend({
      mode: 'serve',
      env: io.env,
      version: process.env.BOT_BOTTLE_VERSION,
      logSink: (l) => io.err(`${l.time} ${l.level.padEnd(5)} ${l.scope}: ${l.message}`),
    })
    const rpc = new RpcServer({ ...createHandlers(backend), logger: backend.logs.logger('rpc') })
    const handle = await startServe({
      rpc,
      staticDir: join(__dirname, '..', 'renderer'),
      host: args.options.host as string | undefined,
      port,
      token: args.options.token as string | undefined,
      logger: backend.logs.logger('serve'),
    })
    // `bot-bottle attach` joins this backend's agent sessions through it.
    const endpoint = await serveLocalEndpoint({
      rpc,
      dataDir: backend.paths.dataDir,
      env: io.env,
      logger: backend.logs.logger('local'),
    })
    io.out(`Bot Bottle is serving the dashboard at ${handle.url}`)
    await io.interrupted
    io.err('stopping…')
    endpoint.dispose()
    rpc.dispose()
    await handle.close()
    // A launch in progress is torn down, not left half-built; running bottles stay up.
    await backend.bottles.shutdown()
    backend.dispose()
    return 0
  },
}
