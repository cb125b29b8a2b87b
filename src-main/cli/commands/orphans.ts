import { UsageError } from '../args'
import { jsonOption, type CliCommand } from '../command'
import { printJson, table, withBackend } from './common'

export const orphansCommand: CliCommand = {
  name: 'orphans',
  summary:
    'Reconcile the bottles with smolvm and docker, and list (or --clean) what belongs to no bottle',
  usage: 'bot-bottle orphans [--clean] [--json]',
  options: { clean: { type: 'boolean' }, ...jsonOption },
  async run(args, io) {
    if (args.positionals.length) throw new UsageError(`unexpected ${args.positionals.join(' ')}`)
    const clean = args.options.clean === true
    const report = await withBackend(io, async (backend) => {
      const reconciled = await backend.reconciler.reconcile()
      const cleaned = clean && reconciled.orphans.length ? await backend.reconciler.clean() : null
      return { ...reconciled, cleaned: cleaned?.cleaned ?? [], failed: cleaned?.failed ?? [] }
    })
    if (args.options.json) {
      printJson(io, report)
      return report.failed.length ? 1 : 0
    }
    if (report.died.length) io.out(`Ended (dead or interrupted): ${report.died.join(', ')}`)
    if (report.orphans.length === 0) io.out('No orphans: every resource belongs to a bottle.')
    else if (!clean) {
      io.out(
        table([
          ['KIND', 'NAME', 'BOTTLE', 'WHY'],
          ...report.orphans.map((o) => [o.kind, o.name, o.slug ?? '-', o.detail]),
        ]),
      )
      io.out('Remove them with: bot-bottle orphans --clean')
    }
    for (const id of report.cleaned) io.out(`removed ${id}`)
    for (const f of report.failed) io.err(`${f.id}: ${f.message}`)
    return report.failed.length ? 1 : 0
  },
}
