import {
  methods as methodDefs,
  topics as topicDefs,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type TopicData,
  type TopicName,
  type TopicParams,
} from '../../../src-shared/contract'
import { RpcClient } from '../../../src-shared/rpc/client'
import { RpcError, invalidParams } from '../../../src-shared/rpc/errors'
import { createMemoryTransportPair } from '../../../src-shared/rpc/memory-transport'
import { ClientMessage, type ServerMessage } from '../../../src-shared/rpc/protocol'
import type { Transport } from '../../../src-shared/rpc/transport'
import type { ConnectionSource } from '../lib/backend'
import type { ConnectionState } from '../rpc/connection'

type MethodImpl<M extends MethodName> = (
  params: MethodParams<M>,
) => MethodResult<M> | Promise<MethodResult<M>>

export interface FakeSink<T extends TopicName> {
  emit(data: TopicData<T>): void
  end(error?: RpcError): void
}

type TopicImpl<T extends TopicName> = (
  params: TopicParams<T>,
  sink: FakeSink<T>,
) => (() => void) | void

type Listener = (state: ConnectionState, client: RpcClient | null) => void

/**
 * A scripted backend for renderer unit tests, speaking the real wire protocol
 * to the real RpcClient over an in-memory transport. Like the real server it
 * checks params and results against the contract and answers UNAVAILABLE for
 * anything without a handler. The e2e specs run against the real backend.
 */
export class FakeBackend implements ConnectionSource {
  readonly calls: { method: MethodName; params: unknown }[] = []
  current: RpcClient | null = null
  private methods: { [M in MethodName]?: MethodImpl<M> } = {}
  private topics: { [T in TopicName]?: TopicImpl<T> } = {}
  private readonly listeners = new Set<Listener>()
  private readonly sinks = new Map<TopicName, Set<FakeSink<TopicName>>>()
  private server: Transport | null = null
  private state: ConnectionState = 'connecting'

  method<M extends MethodName>(name: M, impl: MethodImpl<M>): this {
    ;(this.methods as Record<string, unknown>)[name] = impl
    return this
  }

  topic<T extends TopicName>(name: T, impl: TopicImpl<T>): this {
    ;(this.topics as Record<string, unknown>)[name] = impl
    return this
  }

  /** Sends an event to every open subscription of a topic. */
  emit<T extends TopicName>(name: T, data: TopicData<T>): void {
    for (const s of this.sinks.get(name) ?? []) (s as FakeSink<T>).emit(data)
  }

  subscriptions(name: TopicName): number {
    return this.sinks.get(name)?.size ?? 0
  }

  callsOf<M extends MethodName>(name: M): MethodParams<M>[] {
    return this.calls.filter((c) => c.method === name).map((c) => c.params as MethodParams<M>)
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    listener(this.state, this.current)
    return () => this.listeners.delete(listener)
  }

  connect(): void {
    const [clientSide, serverSide] = createMemoryTransportPair()
    this.server = serverSide
    const subs = new Map<number, () => void>()
    serverSide.onMessage((text) => this.onMessage(serverSide, subs, text))
    serverSide.onClose(() => {
      for (const d of subs.values()) d()
      subs.clear()
    })
    const client = new RpcClient(clientSide)
    client.onDidClose(() => {
      if (this.current === client) this.current = null
      this.setState('disconnected', null)
    })
    this.current = client
    this.setState('connected', client)
  }

  disconnect(): void {
    this.server?.close()
    this.server = null
  }

  private setState(state: ConnectionState, client: RpcClient | null): void {
    this.state = state
    for (const l of [...this.listeners]) l(state, client)
  }

  private onMessage(transport: Transport, subs: Map<number, () => void>, text: string): void {
    const msg = ClientMessage.parse(JSON.parse(text))
    const send = (m: ServerMessage): void => {
      try {
        transport.send(JSON.stringify(m))
      } catch {
        // closed
      }
    }
    const fail = (id: number, e: unknown): void => {
      const error = e instanceof RpcError ? e : new RpcError('INTERNAL', String(e))
      send({ t: 'error', id, error: error.toShape() })
    }
    if (msg.t === 'unsub') {
      subs.get(msg.id)?.()
      subs.delete(msg.id)
      return
    }
    if (msg.t === 'call') {
      const name = msg.method as MethodName
      const def = methodDefs[name]
      const input = def.input.safeParse(msg.params ?? {})
      if (!input.success) return fail(msg.id, invalidParams(`params for ${name}`, input.error))
      this.calls.push({ method: name, params: input.data })
      const impl = this.methods[name] as MethodImpl<MethodName> | undefined
      if (!impl) return fail(msg.id, new RpcError('UNAVAILABLE', `${name} is not available`))
      Promise.resolve()
        .then(() => impl(input.data as never))
        .then(
          (result) => send({ t: 'result', id: msg.id, result: def.output.parse(result) }),
          (e: unknown) => fail(msg.id, e),
        )
      return
    }
    const name = msg.topic as TopicName
    const def = topicDefs[name]
    const params = def.params.safeParse(msg.params ?? {})
    if (!params.success) return fail(msg.id, invalidParams(`params for ${name}`, params.error))
    const impl = this.topics[name] as TopicImpl<TopicName> | undefined
    if (!impl) return fail(msg.id, new RpcError('UNAVAILABLE', `${name} is not available`))
    let open = true
    const sink: FakeSink<TopicName> = {
      emit: (data) => {
        if (open) send({ t: 'event', id: msg.id, data: def.data.parse(data) })
      },
      end: (error) => {
        if (!open) return
        close()
        send(error ? { t: 'end', id: msg.id, error: error.toShape() } : { t: 'end', id: msg.id })
      },
    }
    let dispose: (() => void) | void = undefined
    const close = (): void => {
      open = false
      this.sinks.get(name)?.delete(sink)
      dispose?.()
    }
    let set = this.sinks.get(name)
    if (!set) this.sinks.set(name, (set = new Set()))
    set.add(sink)
    subs.set(msg.id, close)
    dispose = impl(params.data as never, sink)
  }
}
