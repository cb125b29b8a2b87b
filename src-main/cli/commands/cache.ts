import { UsageError } from '../args'
import { jsonOption, type CliCommand } from '../command'
import { formatDuration, printJson, table, withBackend } from './common'

function size(bytes: number): string {
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

export const cacheCommand: CliCommand = {
  name: 'cache',
  summary: 'List the pack cache, or prune entries no bottle uses',
  usage: 'bot-bottle cache ls [--json]  |  bot-bottle cache prune [<key>] [--json]',
  options: { ...jsonOption },
  async run(args, io) {
    const [verb, key, ...extra] = args.positionals
    if (extra.length) throw new UsageError(`unexpected ${extra.join(' ')}`)
    if (verb === 'ls') {
      const list = await withBackend(io, (b) => b.packCache.list())
      if (args.options.json) {
        printJson(io, list)
        return 0
      }
      if (list.entries.length === 0) {
        io.out(`The pack cache (${list.dir}) is empty.`)
        return 0
      }
      const now = Date.now()
      io.out(
        table([
          ['KEY', 'IMAGE', 'DIGEST', 'SIZE', 'LAST USED', 'IN USE'],
          ...list.entries.map((e) => [
            e.key,
            e.imageRef,
            e.digest ? e.digest.slice(0, 19) : 'unknown',
            size(e.sizeBytes),
            `${formatDuration(now - Date.parse(e.lastUsedAt))} ago`,
            e.inUse ? 'yes' : 'no',
          ]),
        ]),
      )
      return 0
    }
    if (verb === 'prune') {
      const result = await withBackend(io, (b) => b.packCache.prune(key))
      if (args.options.json) printJson(io, result)
      else
        io.out(
          result.removed.length
            ? `removed ${result.removed.join(', ')}; freed ${size(result.freedBytes)}`
            : `nothing to prune (freed ${size(result.freedBytes)})`,
        )
      return 0
    }
    throw new UsageError(
      verb ? `unknown cache command '${verb}' (ls or prune)` : 'missing ls or prune',
    )
  },
}
