import type { Bottle, LaunchStep } from '../../../src-shared/contract'
import { jsonOption, type CliCommand, type CliIO } from '../command'
import {
  detailLines,
  formatDuration,
  hostPath,
  positional,
  printJson,
  stringOption,
  withBackend,
} from './common'

const MARK: Record<LaunchStep['state'], string> = {
  pending: ' ',
  running: '→',
  done: '✓',
  failed: '✗',
  skipped: '-',
  cancelled: '⊘',
}

export const launchCommand: CliCommand = {
  name: 'launch',
  summary: 'Launch a bottle for an agent of the manifest and follow its boot (Ctrl-C cancels)',
  usage: 'bot-bottle launch <agent> --cwd <dir> [--copy] [--json]',
  options: { cwd: { type: 'string' }, copy: { type: 'boolean' }, ...jsonOption },
  async run(args, io) {
    const agent = positional(args, 0, 'agent')
    const projectDir = hostPath(stringOption(args, 'cwd') ?? process.cwd())
    const json = args.options.json === true
    const bottle = await withBackend(io, async (backend) => {
      const { bottles } = backend
      const started = Date.now()
      const progress = json
        ? null
        : bottles.onEvent((e) => e.kind === 'step' && printStep(io, e.step))
      try {
        const launched = await bottles.launch({
          agent,
          projectDir,
          copyWorkdir: args.options.copy === true,
        })
        if (!json) io.out(`Launching ${agent} for ${projectDir} as ${launched.id}`)
        const interrupted = io.interrupted.then(async () => {
          if (!json) io.err('cancelling: removing what was created…')
          await bottles.cancel(launched.id)
        })
        await Promise.race([bottles.settled(launched.id), interrupted])
        const final = await bottles.settled(launched.id)
        if (!json) printOutcome(io, final, Date.now() - started)
        return final
      } finally {
        progress?.dispose()
      }
    })
    if (json) printJson(io, bottle)
    if (bottle.state === 'running') return 0
    return bottle.error ? 1 : 130
  },
}

function printStep(io: CliIO, step: LaunchStep): void {
  if (step.state === 'pending') return
  const took =
    step.startedAt && step.endedAt
      ? formatDuration(Date.parse(step.endedAt) - Date.parse(step.startedAt))
      : ''
  const detail =
    step.state === 'failed'
      ? (step.error?.message ?? '')
      : step.state === 'running'
        ? ''
        : (step.detail ?? '')
  io.out(`  ${MARK[step.state]} ${step.label.padEnd(20)} ${took.padStart(8)}  ${detail}`.trimEnd())
  if (step.state === 'failed') for (const l of detailLines(step.error?.details)) io.out(`  ${l}`)
}

function printOutcome(io: CliIO, b: Bottle, ms: number): void {
  if (b.state === 'running') {
    io.out(`Bottle ${b.id} is running (${formatDuration(ms)}).`)
    io.out(`  its agent:      bot-bottle attach ${b.id}`)
    io.out(`  run a command:  bot-bottle exec ${b.id} -- sh -c 'echo hello'`)
    io.out(`  stop it:        bot-bottle stop ${b.id}`)
    return
  }
  if (b.error) {
    io.err(`Launch failed: ${b.stateDetail ?? b.error.message}`)
    io.err(
      b.stateDetail?.includes('could not remove')
        ? `Some of its resources remain: bot-bottle stop ${b.id} tries again.`
        : `Everything it created was removed. Forget it with: bot-bottle rm ${b.id}`,
    )
  } else {
    io.err(`Launch cancelled (${b.stateDetail ?? 'nothing left behind'}).`)
  }
}
