import { describe, expect, it } from 'vitest'
import {
  QUIT_IDLE,
  quitTransition,
  type QuitBottle,
  type QuitEffect,
  type QuitEvent,
  type QuitState,
} from './quit-flow'

const run: QuitBottle = { id: 'run', name: 'claude · ~/a', state: 'running' }
const boot: QuitBottle = { id: 'boot', name: 'claude · ~/b', state: 'launching' }
const halt: QuitBottle = { id: 'halt', name: 'claude · ~/c', state: 'stopping' }
const done: QuitBottle = { id: 'done', name: 'claude · ~/d', state: 'stopped' }

/** Feeds events in order; returns the final state and every effect. */
function play(events: QuitEvent[], from: QuitState = QUIT_IDLE) {
  let state = from
  const effects: QuitEffect[] = []
  for (const e of events) {
    const r = quitTransition(state, e)
    state = r.state
    effects.push(...r.effects)
  }
  return { state, effects }
}
const types = (effects: QuitEffect[]) => effects.map((e) => e.type)

describe('quit flow', () => {
  it('exits at once when no bottle holds a VM', () => {
    expect(play([{ type: 'request', bottles: [] }])).toEqual({
      state: { phase: 'exiting' },
      effects: [{ type: 'exit' }],
    })
    expect(play([{ type: 'request', bottles: [done] }]).effects).toEqual([{ type: 'exit' }])
  })

  it('asks, listing the active bottles, with stop, leave and cancel', () => {
    const { state, effects } = play([{ type: 'request', bottles: [run, done] }])
    expect(state).toEqual({ phase: 'asking', bottles: [run] })
    expect(effects).toHaveLength(1)
    const ask = effects[0]
    if (ask?.type !== 'ask') throw new Error('expected a question')
    expect(ask.dialog.message).toBe('Stop the bottle before quitting?')
    expect(ask.dialog.detail).toContain('claude · ~/a (running)')
    expect(ask.dialog.buttons.map((b) => b.answer)).toEqual(['stop-all', 'leave', 'cancel'])
    expect(ask.dialog.buttons[ask.dialog.cancelIndex]?.answer).toBe('cancel')
  })

  it('cancel goes back to running the app', () => {
    expect(
      play([
        { type: 'request', bottles: [run] },
        { type: 'answer', answer: 'cancel' },
      ]),
    ).toEqual({
      state: QUIT_IDLE,
      effects: [expect.objectContaining({ type: 'ask' })],
    })
  })

  it('stop-all stops, cancels or waits for each bottle, reports progress, and exits when all are at rest', () => {
    const r = play([
      { type: 'request', bottles: [run, boot, halt] },
      { type: 'answer', answer: 'stop-all' },
    ])
    expect(r.state).toMatchObject({ phase: 'stopping', total: 3 })
    expect(r.effects.slice(1)).toEqual([
      {
        type: 'end-bottles',
        bottles: [
          { id: 'run', how: 'stop' },
          { id: 'boot', how: 'cancel' },
          { id: 'halt', how: 'wait' },
        ],
      },
      { type: 'progress', text: 'Stopping bottles… 0 of 3 done' },
    ])
    const a = play([{ type: 'settled', id: 'boot' }], r.state)
    expect(a.effects).toEqual([{ type: 'progress', text: 'Stopping bottles… 1 of 3 done' }])
    const b = play(
      [
        { type: 'settled', id: 'run' },
        { type: 'settled', id: 'halt' },
      ],
      a.state,
    )
    expect(b.state).toEqual({ phase: 'exiting' })
    expect(types(b.effects)).toEqual(['progress', 'exit'])
  })

  it('never exits while a teardown is still running: further quits and answers are ignored', () => {
    const r = play([
      { type: 'request', bottles: [run, boot] },
      { type: 'answer', answer: 'stop-all' },
      { type: 'settled', id: 'run' },
      { type: 'request', bottles: [boot] },
      { type: 'answer', answer: 'quit-anyway' },
      { type: 'answer', answer: 'cancel' },
      { type: 'settled', id: 'unknown' },
      { type: 'settled', id: 'run' },
    ])
    expect(r.state).toMatchObject({ phase: 'stopping', pending: [boot] })
    expect(types(r.effects)).not.toContain('exit')
  })

  it('leave keeps running bottles but finishes launches and stops in flight', () => {
    const r = play([
      { type: 'request', bottles: [run, boot, halt] },
      { type: 'answer', answer: 'leave' },
    ])
    expect(r.effects[1]).toEqual({
      type: 'end-bottles',
      bottles: [
        { id: 'boot', how: 'cancel' },
        { id: 'halt', how: 'wait' },
      ],
    })
    const end = play(
      [
        { type: 'settled', id: 'boot' },
        { type: 'settled', id: 'halt' },
      ],
      r.state,
    )
    expect(end.state).toEqual({ phase: 'exiting' })
    expect(
      play([
        { type: 'request', bottles: [run] },
        { type: 'answer', answer: 'leave' },
      ]).effects.at(-1),
    ).toEqual({
      type: 'exit',
    })
  })

  it('a stop that fails is reported after the others finish; quit anyway exits', () => {
    const r = play([
      { type: 'request', bottles: [run, boot] },
      { type: 'answer', answer: 'stop-all' },
      { type: 'settled', id: 'run', error: 'smolvm machine stop: timed out' },
    ])
    expect(r.state.phase).toBe('stopping')
    const f = play([{ type: 'settled', id: 'boot' }], r.state)
    expect(f.state).toEqual({
      phase: 'failed',
      failures: [{ id: 'run', name: 'claude · ~/a', message: 'smolvm machine stop: timed out' }],
    })
    expect(types(f.effects)).toEqual(['progress', 'ask'])
    const ask = f.effects[1]
    if (ask?.type !== 'ask') throw new Error('expected a question')
    expect(ask.dialog.detail).toContain('claude · ~/a: smolvm machine stop: timed out')
    expect(ask.dialog.buttons.map((b) => b.answer)).toEqual(['quit-anyway', 'cancel'])
    expect(ask.dialog.buttons[ask.dialog.defaultIndex]?.answer).toBe('cancel')
    expect(play([{ type: 'answer', answer: 'quit-anyway' }], f.state)).toEqual({
      state: { phase: 'exiting' },
      effects: [{ type: 'exit' }],
    })
  })

  it('a stop that fails, then cancel, returns to the app and can quit again', () => {
    const r = play([
      { type: 'request', bottles: [run] },
      { type: 'answer', answer: 'stop-all' },
      { type: 'settled', id: 'run', error: 'boom' },
      { type: 'answer', answer: 'cancel' },
    ])
    expect(r.state).toEqual(QUIT_IDLE)
    expect(types(r.effects)).not.toContain('exit')
    expect(play([{ type: 'request', bottles: [run] }], r.state).state.phase).toBe('asking')
  })
})
