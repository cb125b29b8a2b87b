import { jsonOption, type CliCommand } from '../command'
import { printJson, withBackend } from './common'

const MARK = { ok: '✓', warn: '!', fail: '✗' } as const

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check smolvm, docker, the platform and KVM, with a fix for each problem',
  usage: 'bot-bottle doctor [--json]',
  options: { ...jsonOption },
  async run(args, io) {
    const report = await withBackend(io, (backend) => backend.preflight.run())
    if (args.options.json) {
      printJson(io, report)
    } else {
      for (const c of report.checks) {
        io.out(`${MARK[c.status]} ${c.label}: ${c.detail}`)
        if (c.fix) io.out(`    fix: ${c.fix}`)
      }
      io.out(report.ok ? 'Ready to launch bottles.' : 'Not ready: fix the ✗ items above.')
    }
    return report.ok ? 0 : 1
  },
}
