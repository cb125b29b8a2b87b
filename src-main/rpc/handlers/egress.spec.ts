import { describe, expect, it } from 'vitest'
import { egressMethods, egressTopics } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { CommandResult } from '../../core/base/exec'
import { toDisposable } from '../../core/base/lifecycle'
import type { Docker } from '../../core/docker/types'
import { EgressService } from '../../core/egress/egress-service'
import type { CallContext, TopicSink } from '../server'
import { egressHandlers } from './egress'

const ctx: CallContext = { connectionId: 't', signal: new AbortController().signal }
const ok = (stdout: string, exitCode = 0, stderr = ''): CommandResult => ({
  exitCode,
  stdout,
  stderr,
  timedOut: false,
  cancelled: false,
  durationMs: 1,
})

/**
 * A docker stand-in holding one bundle's rules and log, answering exactly as
 * the bundle's `egress-rules` CLI and `docker logs -f` do (the real-engine
 * path is covered by core/egress/egress-service.spec.ts).
 */
function fakeDocker() {
  let rules = ['api.example.com']
  const execs: { name: string; argv: readonly string[]; input?: string }[] = []
  let emit: ((line: string, stream: 'stdout' | 'stderr') => void) | null = null
  let end: ((error?: Error) => void) | undefined
  const docker = {
    binary: 'docker',
    async exec(name: string, argv: readonly string[], opts: { input?: string }) {
      execs.push({ name, argv, input: opts.input })
      if (argv.at(-1) === 'get') return ok(JSON.stringify({ rules }))
      rules = (JSON.parse(opts.input!) as { rules: string[] }).rules
      return ok(JSON.stringify({ rules, closed: 0 }))
    },
    followLogs(_name: string, onLine: typeof emit, opts?: { onEnd?: (e?: Error) => void }) {
      emit = onLine
      end = opts?.onEnd
      return toDisposable(() => (emit = null))
    },
  } as unknown as Docker
  return {
    docker,
    execs,
    line: (l: string) => emit?.(l, 'stdout'),
    end: (e?: Error) => end?.(e),
    following: () => emit !== null,
  }
}

function setup() {
  const fake = fakeDocker()
  const egress = new EgressService({
    docker: () => fake.docker,
    resolveBundle: (id) => (id === 'b1' ? { container: 'claude-bottle-b1-bundle' } : null),
    batchMs: 5,
  })
  return { fake, handlers: egressHandlers({ egress }) }
}

const decision = (host: string, decision: 'allow' | 'deny'): string =>
  JSON.stringify({
    time: '2026-01-01T00:00:00.000Z',
    type: 'decision',
    host,
    port: 443,
    method: 'CONNECT',
    decision,
    rule: null,
    reason: 'r',
    bytesIn: 0,
    bytesOut: 0,
    durationMs: 1,
  })

describe('egress handlers', () => {
  it('egress.get / egress.set go to the bottle’s bundle through the admin CLI, with canonical rules', async () => {
    const { fake, handlers } = setup()
    expect(
      egressMethods['egress.get'].output.parse(
        await handlers.methods['egress.get']({ id: 'b1' }, ctx),
      ),
    ).toEqual({ rules: ['api.example.com'] })
    expect(
      await handlers.methods['egress.set'](
        { id: 'b1', rules: ['B.example.com.', 'b.example.com'] },
        ctx,
      ),
    ).toEqual({ rules: ['b.example.com'] })
    expect(fake.execs[1]).toEqual({
      name: 'claude-bottle-b1-bundle',
      argv: ['node', '/opt/bot-bottle/bundle.js', 'egress-rules', 'set'],
      input: '{"rules":["b.example.com"]}',
    })
  })

  it('refuses invalid rules before reaching the bundle, naming each and why', async () => {
    const { fake, handlers } = setup()
    const err = (await Promise.resolve(
      handlers.methods['egress.set']({ id: 'b1', rules: ['ok.example.com', '*', 'x.com:0'] }, ctx),
    ).catch((e: unknown) => e)) as RpcError
    expect(err).toBeInstanceOf(RpcError)
    expect(err.code).toBe('INVALID_PARAMS')
    expect(err.message).toMatch(/"\*": a bare \* would allow every host.*"x\.com:0": port "0"/)
    expect(err.details).toEqual({
      invalid: [
        expect.objectContaining({ rule: '*' }),
        expect.objectContaining({ rule: 'x.com:0' }),
      ],
    })
    expect(fake.execs).toEqual([])
  })

  it('egress.log emits decision batches (other lines ignored) and ends with the log', async () => {
    const { fake, handlers } = setup()
    const events: unknown[] = []
    const ended: (RpcError | undefined)[] = []
    const sink: TopicSink<'egress.log'> = {
      emit: (d) => events.push(egressTopics['egress.log'].data.parse(d)),
      end: (e) => ended.push(e),
    }
    const sub = await handlers.topics['egress.log']({ id: 'b1' }, sink, ctx)
    fake.line(decision('a.example.com', 'allow'))
    fake.line('{"time":"x","type":"log","level":"info","msg":"egress proxy listening"}')
    fake.line('not json')
    fake.line(decision('b.example.com', 'deny'))
    await new Promise((r) => setTimeout(r, 30))
    expect(events).toEqual([
      {
        decisions: [
          expect.objectContaining({ host: 'a.example.com' }),
          expect.objectContaining({ host: 'b.example.com', decision: 'deny' }),
        ],
      },
    ])
    fake.end(new Error('docker logs: No such container'))
    expect(ended).toEqual([expect.objectContaining({ code: 'UNAVAILABLE' })])
    sub.dispose()
    expect(fake.following()).toBe(false)
  })

  it('NOT_FOUND when the bottle has no bundle', async () => {
    const { handlers } = setup()
    await expect(
      Promise.resolve(handlers.methods['egress.get']({ id: 'nope' }, ctx)),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(() =>
      handlers.topics['egress.log']({ id: 'nope' }, { emit() {}, end() {} }, ctx),
    ).toThrow(RpcError)
  })
})
