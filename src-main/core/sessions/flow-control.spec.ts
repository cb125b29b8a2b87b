import { describe, expect, it } from 'vitest'
import { FlowControlConstants, FlowController } from './flow-control'

function setup(high = 100, low = 10) {
  const calls: string[] = []
  const flow = new FlowController(
    { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
    high,
    low,
  )
  return { flow, calls }
}

describe('FlowController', () => {
  it('uses the VS Code constants, the ack unit within the low watermark', () => {
    expect(FlowControlConstants).toEqual({
      HighWatermarkChars: 100_000,
      LowWatermarkChars: 5_000,
      CharCountAckSize: 5_000,
    })
    expect(FlowControlConstants.CharCountAckSize).toBeLessThanOrEqual(
      FlowControlConstants.LowWatermarkChars,
    )
  })

  it('pauses above the high watermark and resumes below the low one', () => {
    const { flow, calls } = setup()
    const v = flow.add()
    flow.sent(v, 100)
    expect(calls).toEqual([])
    flow.sent(v, 1)
    flow.sent(v, 50)
    expect(calls).toEqual(['pause'])
    flow.ack(v, 140)
    expect(v.unacked).toBe(11)
    expect(calls).toEqual(['pause'])
    flow.ack(v, 2)
    expect(calls).toEqual(['pause', 'resume'])
    expect(flow.stats).toEqual({ paused: false, pauses: 1, resumes: 1 })
  })

  it('holds the source while any viewer is behind, and lets go when the laggard leaves', () => {
    const { flow, calls } = setup()
    const fast = flow.add()
    const slow = flow.add()
    for (let i = 0; i < 3; i++) {
      flow.sent(fast, 60)
      flow.sent(slow, 60)
      flow.ack(fast, 60)
    }
    expect(calls).toEqual(['pause'])
    expect(flow.maxUnacked).toBe(180)
    flow.ack(fast, 1000)
    expect(calls).toEqual(['pause'])
    flow.ack(slow, 100)
    expect(calls).toEqual(['pause'])
    flow.remove(slow)
    expect(calls).toEqual(['pause', 'resume'])
  })

  it('starts a new viewer at zero and never counts below zero', () => {
    const { flow } = setup()
    const a = flow.add()
    flow.ack(a, 50)
    expect(a.unacked).toBe(0)
    flow.sent(a, 30)
    expect(flow.add().unacked).toBe(0)
  })

  it('ignores consumers that have left', () => {
    const { flow, calls } = setup()
    const a = flow.add()
    flow.remove(a)
    flow.sent(a, 1000)
    expect(calls).toEqual([])
  })

  it('release resumes for good', () => {
    const { flow, calls } = setup()
    const a = flow.add()
    flow.sent(a, 500)
    flow.release()
    flow.sent(a, 500)
    expect(calls).toEqual(['pause', 'resume'])
    expect(flow.stats.paused).toBe(false)
  })
})
