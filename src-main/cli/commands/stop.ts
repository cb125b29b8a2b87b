import type { Backend } from '../../core/backend'
import { jsonOption, type CliCommand } from '../command'
import { UsageError } from '../args'
import { describeError, findBottle, printJson, withBackend } from './common'

/** `stop` and `rm`: the same loop over bottle references, one action each. */
function bottleAction(o: {
  name: string
  summary: string
  verb: string
  act: (backend: Backend, id: string) => Promise<void>
}): CliCommand {
  return {
    name: o.name,
    summary: o.summary,
    usage: `bot-bottle ${o.name} <bottle>… [--json]`,
    options: { ...jsonOption },
    async run(args, io) {
      if (args.positionals.length === 0) throw new UsageError('missing <bottle>')
      const results = await withBackend(io, async (backend) => {
        await backend.bottles.load()
        const out: { id: string; ok: boolean; error?: string }[] = []
        for (const ref of args.positionals) {
          try {
            const { id } = findBottle(backend.bottles.list(), ref)
            await o.act(backend, id)
            out.push({ id, ok: true })
            if (!args.options.json) io.out(`${o.verb} ${id}`)
          } catch (e) {
            out.push({ id: ref, ok: false, error: describeError(e) })
            if (!args.options.json) io.err(`${ref}: ${describeError(e)}`)
          }
        }
        return out
      })
      if (args.options.json) printJson(io, results)
      return results.every((r) => r.ok) ? 0 : 1
    },
  }
}

export const stopCommand = bottleAction({
  name: 'stop',
  summary: 'Stop bottles: sessions, VM, bundle and network, nothing left behind',
  verb: 'stopped',
  act: (backend, id) => backend.bottles.stop(id),
})

export const rmCommand = bottleAction({
  name: 'rm',
  summary: 'Stop bottles if needed and forget them',
  verb: 'removed',
  act: (backend, id) => backend.bottles.remove(id),
})
