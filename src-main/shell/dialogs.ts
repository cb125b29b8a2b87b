import type { Bottle } from '../../src-shared/contract'
import { shortenPath, truncateEnd } from './display-text'

/** A message box as data; the adapter shows it and maps the clicked button back. */
export interface ShellDialog<A extends string = string> {
  type: 'question' | 'warning'
  message: string
  detail: string
  buttons: { label: string; answer: A }[]
  defaultIndex: number
  /** The answer for Esc / closing the box. */
  cancelIndex: number
}

/** How a bottle is named in dialogs: "claude · ~/code/app". */
export function bottleName(b: Pick<Bottle, 'agent' | 'projectDir'>, home: string): string {
  return `${truncateEnd(b.agent, 24)} · ${shortenPath(b.projectDir, home, 40)}`
}

const LISTED = 8

function list(lines: string[]): string {
  const shown = lines.slice(0, LISTED).map((l) => `• ${l}`)
  if (lines.length > LISTED) shown.push(`• … and ${lines.length - LISTED} more`)
  return shown.join('\n')
}

/** A question whose safe answer, Cancel, is the default. */
function cautious<A extends string>(
  d: Pick<ShellDialog, 'type' | 'message' | 'detail'>,
  ok: { label: string; answer: A },
): ShellDialog<A | 'cancel'> {
  return {
    ...d,
    buttons: [ok, { label: 'Cancel', answer: 'cancel' }],
    defaultIndex: 1,
    cancelIndex: 1,
  }
}

export type QuitAnswer = 'stop-all' | 'leave' | 'cancel'
export type StopFailedAnswer = 'quit-anyway' | 'cancel'
export type RemoveAnswer = 'remove' | 'cancel'

/** Asked when quitting with bottles that hold a VM (running, launching or stopping). */
export function quitQuestion(
  bottles: readonly { name: string; state: Bottle['state'] }[],
): ShellDialog<QuitAnswer> {
  const n = bottles.length
  const launching = bottles.some((b) => b.state === 'launching')
  const notes = [
    'Bottles left running keep working and are picked up again when Bot Bottle starts.',
    ...(launching ? ['Launches in progress are cancelled either way.'] : []),
  ]
  return {
    type: 'question',
    message: n === 1 ? 'Stop the bottle before quitting?' : `Stop ${n} bottles before quitting?`,
    detail: `${list(bottles.map((b) => `${b.name} (${b.state})`))}\n\n${notes.join(' ')}`,
    buttons: [
      { label: 'Stop and Quit', answer: 'stop-all' },
      { label: 'Leave Running and Quit', answer: 'leave' },
      { label: 'Cancel', answer: 'cancel' },
    ],
    defaultIndex: 0,
    cancelIndex: 2,
  }
}

/** Asked when some bottle could not be stopped; the safe default is not to quit. */
export function stopFailedQuestion(
  failures: readonly { name: string; message: string }[],
): ShellDialog<StopFailedAnswer> {
  return cautious(
    {
      type: 'warning',
      message:
        failures.length === 1
          ? 'A bottle did not stop cleanly.'
          : `${failures.length} bottles did not stop cleanly.`,
      detail:
        `${list(failures.map((f) => `${f.name}: ${truncateEnd(f.message, 200)}`))}\n\n` +
        'Quitting now leaves them as they are; Bot Bottle checks them again when it starts. ' +
        'Cancel to look at them in the dashboard.',
    },
    { label: 'Quit Anyway', answer: 'quit-anyway' },
  )
}

/** Removing a bottle that holds a VM stops it first: asked, because it ends the agent's work. */
export function removeQuestion(b: Bottle, home: string): ShellDialog<RemoveAnswer> {
  return cautious(
    {
      type: 'question',
      message: `Remove ${bottleName(b, home)}?`,
      detail:
        'The bottle is stopped (its sessions, VM, bundle and network are removed) and forgotten. ' +
        'Your project folder is not touched.',
    },
    { label: 'Remove', answer: 'remove' },
  )
}
