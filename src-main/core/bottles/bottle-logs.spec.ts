import { describe, expect, it } from 'vitest'
import { stampedLine } from './bottle-logs'

describe('docker log timestamps', () => {
  const fallback = '2000-01-01T00:00:00.000Z'

  it('takes each line’s own time from docker’s --timestamps prefix', () => {
    expect(
      stampedLine('2026-11-28T13:04:05.123456789Z {"msg":"started"}', 'bundle', fallback),
    ).toEqual({
      time: '2026-11-28T13:04:05.123Z',
      source: 'bundle',
      text: '{"msg":"started"}',
    })
  })

  it('keeps lines without a prefix whole, at the fallback time', () => {
    expect(stampedLine('no daemons selected', 'bundle', fallback)).toEqual({
      time: fallback,
      source: 'bundle',
      text: 'no daemons selected',
    })
  })

  it('keeps an empty line after the prefix', () => {
    expect(stampedLine('2026-11-28T13:04:05Z ', 'bundle', fallback).text).toBe('')
  })
})
