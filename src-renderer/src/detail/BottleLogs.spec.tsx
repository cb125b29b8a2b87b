// @vitest-environment happy-dom
import { act, fireEvent, screen, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { LogLine } from '../../../src-shared/contract'
import { App } from '../App'
import { clockTime } from '../lib/format'
import { appendCapped, type LogFeedState } from '../stores/log-feed'
import type { FakeSink } from '../test-support/fake-backend'
import { makeBottle } from '../test-support/factories'
import { baseBackend, flush, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

const line = (i: number, text = `line ${i}`): LogLine => ({
  time: new Date(Date.UTC(2026, 0, 1, 10, 0, 0, i)).toISOString(),
  source: 'bundle',
  text,
})

function logsBackend(tail: LogLine[]) {
  const follows: FakeSink<'bottles.logFollow'>[] = []
  const fake = baseBackend()
    .topic('bottles.events', (_p, s) =>
      s.emit({ kind: 'snapshot', bottles: [makeBottle('logs')], orphans: [] }),
    )
    .topic('bottles.logFollow', (_p, sink) => {
      follows.push(sink)
      // A line written while the tail is on its way, which the tail also has.
      sink.emit({ lines: [tail[tail.length - 1]!] })
    })
    .method('bottles.logs', async () => {
      await flush(20)
      return tail
    })
  return { fake, follows }
}

describe('bottle logs', () => {
  it('shows the tail then followed lines once each, filters and highlights', async () => {
    const { fake, follows } = logsBackend([line(1, 'proxy started'), line(2, 'GET api ok')])
    mount(<App />, fake, '#/bottles/logs/logs')
    const log = await screen.findByRole('log', { name: 'Bundle log' })
    await waitFor(() => expect(log.textContent).toContain('GET api ok'))
    expect(log.textContent!.match(/GET api ok/g)).toHaveLength(1)
    expect(fake.callsOf('bottles.logs')).toEqual([{ id: 'logs', source: 'bundle', tail: 5000 }])
    await act(async () => {
      follows[0]!.emit({ lines: [line(3, 'DENY evil.example.com'), line(4, 'GET api again')] })
      await flush()
    })
    expect(log.textContent).toContain('DENY evil.example.com')
    fireEvent.change(screen.getByLabelText('Filter Bundle log'), { target: { value: 'api' } })
    await waitFor(() => expect(screen.getByText('2 of 4 lines')).toBeTruthy())
    const marks = [...log.querySelectorAll('mark')].map((m) => m.textContent)
    expect(marks).toEqual(['api', 'api'])
    expect(log.textContent).not.toContain('evil')
  })

  it('switches sources, including the proxy’s egress decisions', async () => {
    const { fake } = logsBackend([line(1)])
    fake.topic('egress.log', (_p, sink) =>
      sink.emit({
        decisions: [
          {
            time: '2026-01-01T10:00:00Z',
            host: 'evil.example.com',
            port: 443,
            method: 'CONNECT',
            decision: 'deny',
            rule: null,
            reason: 'no rule matches',
            bytesIn: 0,
            bytesOut: 0,
            durationMs: 1,
          },
        ],
      }),
    )
    mount(<App />, fake, '#/bottles/logs/logs')
    await screen.findByRole('log', { name: 'Bundle log' })
    fireEvent.click(screen.getByRole('tab', { name: 'Egress' }))
    const log = await screen.findByRole('log', { name: 'Egress log' })
    expect(log.textContent).toContain('DENY  CONNECT evil.example.com:443 — no rule matches')
    expect(log.querySelector('.logline-deny')).toBeTruthy()
    fireEvent.click(screen.getByRole('tab', { name: 'VM console' }))
    await waitFor(() =>
      expect(fake.callsOf('bottles.logs').map((c) => c.source)).toEqual(['bundle', 'console']),
    )
  })

  it('says so when a log source is not available', async () => {
    const fake = baseBackend().topic('bottles.events', (_p, s) =>
      s.emit({ kind: 'snapshot', bottles: [makeBottle('logs')], orphans: [] }),
    )
    mount(<App />, fake, '#/bottles/logs/logs')
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('The Bundle log is not available')
    expect(alert.textContent).toContain('UNAVAILABLE')
  })

  it('shows the bundle’s JSON lines as time, level, scope, message and fields; the raw text stays searchable', async () => {
    const json = (fields: object): string => JSON.stringify(fields)
    const listening = json({
      time: '2026-01-01T10:00:00.004Z',
      type: 'log',
      level: 'info',
      scope: 'egress',
      msg: 'egress proxy listening',
      proxy: '10.238.0.130:8888',
    })
    const refused = json({
      time: '2026-01-01T10:00:01.250Z',
      type: 'log',
      level: 'warn',
      scope: 'egress',
      msg: 'rule refused',
      rule: '*.evil',
    })
    const { fake } = logsBackend([line(1, listening), line(2, refused), line(3, 'plain words')])
    mount(<App />, fake, '#/bottles/logs/logs')
    const log = await screen.findByRole('log', { name: 'Bundle log' })
    await waitFor(() => expect(log.textContent).toContain('plain words'))
    const rows = [...log.querySelectorAll<HTMLElement>('.logline')]
    expect(rows.map((r) => r.textContent)).toEqual([
      `${clockTime('2026-01-01T10:00:00.004Z')}INFO  egress egress proxy listening  proxy=10.238.0.130:8888`,
      `${clockTime('2026-01-01T10:00:01.250Z')}WARN  egress rule refused  rule=*.evil`,
      `${clockTime(line(3).time)}plain words`,
    ])
    expect(rows[0]!.title).toBe(listening)
    expect(rows[1]!.classList.contains('logline-warn')).toBe(true)
    expect(log.textContent).not.toContain('"level"')
    // The raw JSON is what a filter finds as well as what is shown.
    const filter = screen.getByLabelText('Filter Bundle log')
    fireEvent.change(filter, { target: { value: '"level":"warn"' } })
    await waitFor(() => expect(screen.getByText('1 of 3 lines')).toBeTruthy())
    expect(log.textContent).toContain('rule refused')
    fireEvent.change(filter, { target: { value: 'WARN  egress' } })
    await waitFor(() => expect(screen.getByText('1 of 3 lines')).toBeTruthy())
    fireEvent.change(filter, { target: { value: 'proxy=10.238' } })
    await waitFor(() => expect(screen.getByText('1 of 3 lines')).toBeTruthy())
    expect([...log.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['proxy=10.238'])
  })

  it('shows VM console lines without a time: they have none of their own', async () => {
    const console0: LogLine[] = [
      { time: '2026-01-01T10:00:00.000Z', source: 'console', text: 'booted' },
      { time: '2026-01-01T10:00:00.000Z', source: 'console', text: 'agent ready' },
    ]
    const fake = baseBackend()
      .topic('bottles.events', (_p, s) =>
        s.emit({ kind: 'snapshot', bottles: [makeBottle('logs')], orphans: [] }),
      )
      .topic('bottles.logFollow', () => {})
      .method('bottles.logs', ({ source }) => (source === 'console' ? console0 : []))
    mount(<App />, fake, '#/bottles/logs/logs')
    fireEvent.click(await screen.findByRole('tab', { name: 'VM console' }))
    const log = await screen.findByRole('log', { name: 'VM console log' })
    await waitFor(() => expect(log.textContent).toContain('agent ready'))
    expect([...log.querySelectorAll('.logline')].map((r) => r.textContent)).toEqual([
      'booted',
      'agent ready',
    ])
    expect(log.querySelector('.logline-time')).toBeNull()
    expect(screen.getByText(/The VM console has no timestamps of its own/)).toBeTruthy()
  })

  it('renders a window of a 10,000-line log, not every line', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => line(i))
    const { fake } = logsBackend(many)
    mount(<App />, fake, '#/bottles/logs/logs')
    const log = await screen.findByRole('log', { name: 'Bundle log' })
    await waitFor(() => expect(screen.getByText(/10000 lines/)).toBeTruthy())
    expect(log.querySelectorAll('.vlist-row').length).toBeLessThan(200)
    // Following: the newest line is among the rendered ones.
    expect(log.textContent).toContain('line 9999')
  })
})

describe('appendCapped', () => {
  it('drops the oldest rows beyond the cap and counts them', () => {
    const s0: LogFeedState = { status: 'live', error: null, rows: [], trimmed: 0 }
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        seq: from + i,
        time: '',
        text: '',
        tone: 'plain' as const,
      }))
    const s1 = appendCapped(s0, rows(0, 8), 10)
    const s2 = appendCapped(s1, rows(8, 5), 10)
    expect(s2.rows.map((r) => r.seq)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(s2.trimmed).toBe(3)
    expect(appendCapped(s2, [], 10)).toBe(s2)
  })
})
