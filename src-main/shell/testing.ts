import type {
  Bottle,
  LaunchStep,
  BottleEvent,
  SessionEvent,
  SessionInfo,
  Settings,
  Teardown,
  TopicData,
  TopicName,
  MethodName,
} from '../../src-shared/contract'
import { RpcClient } from '../../src-shared/rpc/client'
import { RpcError } from '../../src-shared/rpc/errors'
import { createMemoryTransportPair } from '../../src-shared/rpc/memory-transport'
import { makeRecord } from '../core/bottles/testing-records'
import { DEFAULT_SETTINGS } from '../core/config/settings-store'
import { RpcServer, type MethodHandler, type MethodHandlers, type TopicSink } from '../rpc/server'

/**
 * Test helpers for the shell (never used by the app): contract-valid bottles
 * and a fake backend, a real RpcServer with in-memory state, so the shell's
 * store, actions and quit flow are exercised through the real contract.
 */
const T0 = '2025-01-01T10:00:00.000Z'

export function makeBottle(p: Partial<Bottle> & { id: string }): Bottle {
  return makeRecord(p.id, {
    bottle: {
      agent: 'claude',
      projectDir: `/home/me/code/${p.id}`,
      createdAt: T0,
      startedAt: p.state === 'running' || p.state === undefined ? T0 : null,
      ...p,
    },
  }).bottle
}

export function makeSession(
  p: Partial<SessionInfo> & { id: string; bottleId: string },
): SessionInfo {
  return {
    kind: 'agent',
    title: 'claude',
    state: 'running',
    cols: 80,
    rows: 24,
    startedAt: T0,
    endedAt: null,
    exitCode: null,
    signal: null,
    ...p,
  }
}

export function makeStep(p: Partial<LaunchStep> & { id: LaunchStep['id'] }): LaunchStep {
  return {
    label: p.id,
    state: 'running',
    startedAt: null,
    endedAt: null,
    detail: null,
    error: null,
    ...p,
  }
}

export function makeTeardown(p: Partial<Teardown> & { id: string }): Teardown {
  return {
    reason: 'stopped',
    detail: '',
    agent: 'claude',
    projectDir: `/home/me/code/${p.id}`,
    ranForMs: 12 * 60_000,
    exitCode: null,
    failedStep: null,
    time: T0,
    ...p,
  }
}

/**
 * The methods and topics the shell uses, over in-memory state. Stop, cancel
 * and remove pass the bottle through `stopping` to rest, as the backend does;
 * `overrides` replaces any method (to make one fail or hang).
 */
export class FakeShellBackend {
  bottles: Bottle[] = []
  sessions: SessionInfo[] = []
  settings: Settings = { ...DEFAULT_SETTINGS }
  agents = ['claude']
  failingChecks: string[] = []
  readonly calls: { method: string; params: unknown }[] = []
  readonly server: RpcServer
  readonly client: RpcClient
  private readonly bottleSinks = new Set<TopicSink<'bottles.events'>>()
  private readonly sessionSinks = new Set<TopicSink<'sessions.events'>>()
  private readonly settingsSinks = new Set<TopicSink<'settings.changed'>>()

  constructor(overrides: Partial<MethodHandlers> = {}) {
    const record =
      <M extends MethodName>(method: M, fn: MethodHandler<M>): MethodHandler<M> =>
      (params, ctx) => {
        this.calls.push({ method, params })
        return fn(params, ctx)
      }
    const toRest = async (id: string, end: Bottle['state']): Promise<Record<string, never>> => {
      const b = this.find(id)
      this.emit({ kind: 'upsert', bottle: { ...b, state: 'stopping' } })
      await new Promise((r) => setTimeout(r, 5))
      this.emit({ kind: 'upsert', bottle: { ...b, state: end } })
      return {}
    }
    const methods: Partial<MethodHandlers> = {
      'bottles.stop': record('bottles.stop', ({ id }) => toRest(id, 'stopped')),
      'bottles.cancel': record('bottles.cancel', ({ id }) => toRest(id, 'stopped')),
      'bottles.remove': record('bottles.remove', async ({ id }) => {
        this.find(id)
        this.emit({ kind: 'removed', id })
        return {}
      }),
      'bottles.retry': record('bottles.retry', ({ id }) => {
        const b = { ...this.find(id), state: 'launching' as const }
        this.emit({ kind: 'upsert', bottle: b })
        return b
      }),
      'bottles.launch': record('bottles.launch', ({ agent, projectDir }) => {
        const b = makeBottle({
          id: `b${this.bottles.length + 1}`,
          agent,
          projectDir,
          state: 'launching',
        })
        this.emit({ kind: 'upsert', bottle: b })
        return b
      }),
      'sessions.open': record('sessions.open', ({ bottleId, kind }) => {
        this.find(bottleId)
        const s = makeSession({ id: `s${this.sessions.length + 1}`, bottleId, kind })
        this.emitSession({ kind: 'upsert', session: s })
        return s
      }),
      'settings.get': () => this.settings,
      'settings.update': record('settings.update', (patch) => {
        this.settings = { ...this.settings, ...patch }
        for (const s of this.settingsSinks) s.emit(this.settings)
        return this.settings
      }),
      'manifest.get': () => ({
        path: '/home/me/.config/bot-bottle/manifest.yaml',
        text: '',
        version: 'sha256:0',
        valid: true,
        issues: [],
        agents: this.agents.map((name) => ({
          name,
          description: null,
          image: 'node:22',
          egress: [],
          git: false,
          supervise: false,
          cpus: 2,
          memoryMib: 2048,
        })),
      }),
      'preflight.run': () => ({
        ok: this.failingChecks.length === 0,
        smolvmVersion: '0.5.0',
        checks: this.failingChecks.map((id) => ({
          id,
          label: id,
          status: 'fail' as const,
          detail: `${id} is missing`,
          fix: null,
        })),
      }),
      ...overrides,
    }
    this.server = new RpcServer({
      methods,
      topics: {
        'bottles.events': (_p, sink) =>
          this.follow(this.bottleSinks, sink, {
            kind: 'snapshot',
            bottles: this.bottles,
            orphans: [],
          }),
        'sessions.events': (_p, sink) =>
          this.follow(this.sessionSinks, sink, { kind: 'snapshot', sessions: this.sessions }),
        'settings.changed': (_p, sink) => this.follow(this.settingsSinks, sink, this.settings),
      },
    })
    const [a, b] = createMemoryTransportPair()
    this.server.connect(a)
    this.client = new RpcClient(b)
  }

  /** Applies and broadcasts a bottles.events event. */
  emit(ev: BottleEvent): void {
    if (ev.kind === 'upsert') {
      const i = this.bottles.findIndex((b) => b.id === ev.bottle.id)
      if (i < 0) this.bottles.push(ev.bottle)
      else this.bottles[i] = ev.bottle
    }
    if (ev.kind === 'removed') this.bottles = this.bottles.filter((b) => b.id !== ev.id)
    for (const s of this.bottleSinks) s.emit(ev)
  }

  emitSession(ev: SessionEvent): void {
    if (ev.kind === 'upsert')
      this.sessions = [...this.sessions.filter((s) => s.id !== ev.session.id), ev.session]
    for (const s of this.sessionSinks) s.emit(ev)
  }

  /** Ends every bottles.events subscription, as a backend restart would. */
  endBottleEvents(): void {
    for (const s of this.bottleSinks) s.end(new RpcError('UNAVAILABLE', 'backend restarting'))
    this.bottleSinks.clear()
  }

  dispose(): void {
    this.client.dispose()
    this.server.dispose()
  }

  private find(id: string): Bottle {
    const b = this.bottles.find((x) => x.id === id)
    if (!b) throw new RpcError('NOT_FOUND', `no bottle ${id}`)
    return b
  }

  private follow<T extends TopicName>(
    set: Set<TopicSink<T>>,
    sink: TopicSink<T>,
    first: TopicData<T>,
  ): { dispose(): void } {
    sink.emit(first)
    set.add(sink)
    return { dispose: () => set.delete(sink) }
  }
}
