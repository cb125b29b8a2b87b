import { describe, expect, it } from 'vitest'
import { entryText, entryTone, parseJsonLog } from './log-entry'

describe('bundle JSON log lines', () => {
  it('splits a log line into level, scope, message and the other fields', () => {
    const e = parseJsonLog(
      '{"time":"2026-11-28T16:32:42.614Z","type":"log","level":"info","scope":"egress","msg":"egress proxy listening","proxy":"10.238.0.130:8888","daemons":["egress"],"note":"two words","n":3,"gone":null}',
    )
    expect(e).toEqual({
      time: '2026-11-28T16:32:42.614Z',
      level: 'info',
      scope: 'egress',
      message: 'egress proxy listening',
      fields: [
        'proxy=10.238.0.130:8888',
        'daemons=["egress"]',
        'note="two words"',
        'n=3',
        'gone=null',
      ],
    })
    expect(entryText(e!)).toBe(
      'INFO  egress egress proxy listening  proxy=10.238.0.130:8888 daemons=["egress"] note="two words" n=3 gone=null',
    )
    expect(entryTone(e!)).toBe('plain')
  })

  it('reads a proxy decision as its verdict and request', () => {
    const e = parseJsonLog(
      '{"time":"2026-11-28T16:33:00.000Z","type":"decision","host":"evil.example.com","port":443,"method":"CONNECT","decision":"deny","rule":null,"reason":"no rule matches","bytesIn":0,"bytesOut":0,"durationMs":1}',
    )!
    expect(entryText(e)).toBe(
      'DENY  egress CONNECT evil.example.com:443  rule=null reason="no rule matches" bytesIn=0 bytesOut=0 durationMs=1',
    )
    expect(entryTone(e)).toBe('deny')
  })

  it('keeps what it does not know: other types, no message, a bad time', () => {
    const e = parseJsonLog('{"type":"audit","level":"warn","what":"x","time":"yesterday"}')!
    expect(e).toMatchObject({ time: null, level: 'warn', scope: null, message: '' })
    expect(e.fields).toEqual(['type=audit', 'what=x'])
    expect(entryTone(e)).toBe('warn')
    expect(entryTone(parseJsonLog('{"level":"error","msg":"boom"}')!)).toBe('error')
    expect(parseJsonLog('{"msg":"no level"}')?.level).toBe('log')
  })

  it('leaves lines that are not a JSON object alone', () => {
    for (const text of ['proxy started', '{broken', '[1,2]', '{"a":1} trailing', '"{}"', '']) {
      expect(parseJsonLog(text)).toBeNull()
    }
  })
})
