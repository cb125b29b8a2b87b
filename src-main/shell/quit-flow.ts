import type { BottleState } from '../../src-shared/contract'
import {
  quitQuestion,
  stopFailedQuestion,
  type QuitAnswer,
  type ShellDialog,
  type StopFailedAnswer,
} from './dialogs'

/**
 * Quitting, as a state machine: the adapter feeds it events (the user's
 * answers, each bottle's stop settling) and performs the effects it returns.
 * Once stopping has begun it runs to the end: a quit never leaves a bottle
 * half torn down, and a bottle that fails to stop is reported before exit.
 */
export interface QuitBottle {
  id: string
  /** "claude · ~/code/app" */
  name: string
  state: BottleState
}

/** How a bottle is brought to rest: stop a running one, cancel a launch, wait for a stop. */
export type EndHow = 'stop' | 'cancel' | 'wait'

function endHow(state: BottleState): EndHow | null {
  switch (state) {
    case 'running':
      return 'stop'
    case 'launching':
      return 'cancel'
    case 'stopping':
      return 'wait'
    case 'stopped':
    case 'failed':
      return null
  }
}

export interface QuitFailure {
  id: string
  name: string
  message: string
}

export type QuitState =
  | { phase: 'idle' }
  | { phase: 'asking'; bottles: QuitBottle[] }
  | { phase: 'stopping'; total: number; pending: QuitBottle[]; failures: QuitFailure[] }
  | { phase: 'failed'; failures: QuitFailure[] }
  | { phase: 'exiting' }

export type QuitEvent =
  /** The user chose Quit; `bottles` are those holding resources right now. */
  | { type: 'request'; bottles: QuitBottle[] }
  | { type: 'answer'; answer: QuitAnswer | StopFailedAnswer }
  /** One bottle reached rest (`error` unset) or could not be stopped. */
  | { type: 'settled'; id: string; error?: string }

export type QuitEffect =
  | { type: 'ask'; dialog: ShellDialog<QuitAnswer> | ShellDialog<StopFailedAnswer> }
  | { type: 'end-bottles'; bottles: { id: string; how: EndHow }[] }
  /** Feedback while stopping (tray tooltip and menu); null clears it. */
  | { type: 'progress'; text: string | null }
  | { type: 'exit' }

export const QUIT_IDLE: QuitState = { phase: 'idle' }

function progressText(total: number, pending: number): string {
  return `Stopping bottles… ${total - pending} of ${total} done`
}

function startEnding(toEnd: QuitBottle[]): { state: QuitState; effects: QuitEffect[] } {
  if (toEnd.length === 0) return { state: { phase: 'exiting' }, effects: [{ type: 'exit' }] }
  return {
    state: { phase: 'stopping', total: toEnd.length, pending: toEnd, failures: [] },
    effects: [
      {
        type: 'end-bottles',
        bottles: toEnd.map((b) => ({ id: b.id, how: endHow(b.state) ?? 'wait' })),
      },
      { type: 'progress', text: progressText(toEnd.length, toEnd.length) },
    ],
  }
}

export function quitTransition(
  state: QuitState,
  event: QuitEvent,
): { state: QuitState; effects: QuitEffect[] } {
  const unchanged = { state, effects: [] }
  switch (state.phase) {
    case 'idle': {
      if (event.type !== 'request') return unchanged
      const active = event.bottles.filter((b) => endHow(b.state) !== null)
      if (active.length === 0) return { state: { phase: 'exiting' }, effects: [{ type: 'exit' }] }
      return {
        state: { phase: 'asking', bottles: active },
        effects: [{ type: 'ask', dialog: quitQuestion(active) }],
      }
    }
    case 'asking': {
      if (event.type !== 'answer') return unchanged
      if (event.answer === 'stop-all') return startEnding(state.bottles)
      // Running bottles may stay; a launch or a stop in flight is finished
      // first, or it would be left half made.
      if (event.answer === 'leave')
        return startEnding(state.bottles.filter((b) => b.state !== 'running'))
      return event.answer === 'cancel' ? { state: QUIT_IDLE, effects: [] } : unchanged
    }
    case 'stopping': {
      if (event.type !== 'settled') return unchanged
      const bottle = state.pending.find((b) => b.id === event.id)
      if (!bottle) return unchanged
      const pending = state.pending.filter((b) => b.id !== event.id)
      const failures =
        event.error === undefined
          ? state.failures
          : [...state.failures, { id: bottle.id, name: bottle.name, message: event.error }]
      if (pending.length > 0) {
        return {
          state: { ...state, pending, failures },
          effects: [{ type: 'progress', text: progressText(state.total, pending.length) }],
        }
      }
      if (failures.length === 0) {
        return { state: { phase: 'exiting' }, effects: [{ type: 'exit' }] }
      }
      return {
        state: { phase: 'failed', failures },
        effects: [
          { type: 'progress', text: null },
          { type: 'ask', dialog: stopFailedQuestion(failures) },
        ],
      }
    }
    case 'failed': {
      if (event.type !== 'answer') return unchanged
      if (event.answer === 'quit-anyway')
        return { state: { phase: 'exiting' }, effects: [{ type: 'exit' }] }
      return event.answer === 'cancel' ? { state: QUIT_IDLE, effects: [] } : unchanged
    }
    case 'exiting':
      return unchanged
  }
}
