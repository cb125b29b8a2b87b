import type { LiveState } from '../../core/bottles/bottle-service'
import { jsonOption, type CliCommand } from '../command'
import { formatDuration, printJson, table, withBackend } from './common'

export const lsCommand: CliCommand = {
  name: 'ls',
  summary: 'List bottles, with what smolvm and docker say about each now',
  usage: 'bot-bottle ls [--json]',
  options: { ...jsonOption },
  async run(args, io) {
    const { bottles, live } = await withBackend(io, async (backend) => {
      const live = await backend.bottles.refresh()
      return {
        bottles: backend.bottles.list(),
        live: new Map<string, LiveState>(live.map((l) => [l.id, l])),
      }
    })
    if (args.options.json) {
      printJson(
        io,
        bottles.map((b) => ({ ...b, live: live.get(b.id) ?? null })),
      )
      return 0
    }
    if (bottles.length === 0) {
      io.out('No bottles. Launch one: bot-bottle launch <agent> --cwd <dir>')
      return 0
    }
    const now = Date.now()
    const rows = bottles.map((b) => {
      const l = live.get(b.id)
      return [
        b.id,
        b.agent,
        b.state,
        l?.machine ?? '-',
        l?.bundle ?? '-',
        b.network?.subnet ?? '-',
        formatDuration(now - Date.parse(b.startedAt ?? b.createdAt)),
        b.projectDir,
      ]
    })
    io.out(
      table([['BOTTLE', 'AGENT', 'STATE', 'VM', 'BUNDLE', 'SUBNET', 'AGE', 'PROJECT'], ...rows]),
    )
    return 0
  },
}
