import {
  methods,
  topics,
  type MethodName,
  type MethodParams,
  type MethodResult,
  type TopicData,
  type TopicName,
  type TopicParams,
} from '../../src-shared/contract'
import { RpcError, invalidParams, type RpcErrorShape } from '../../src-shared/rpc/errors'
import { ClientMessage, MAX_MESSAGE_CHARS, type ServerMessage } from '../../src-shared/rpc/protocol'
import type { Disposable, Transport } from '../../src-shared/rpc/transport'
import { DisposableStore } from '../core/base/lifecycle'
import { nullLogger, type Logger } from '../core/base/logger'

export interface CallContext {
  /** Unique per connection; sessions use it to account flow control per viewer. */
  readonly connectionId: string
  /** Aborted when the connection closes. */
  readonly signal: AbortSignal
}

export interface TopicSink<T extends TopicName> {
  emit(data: TopicData<T>): void
  /** Ends the subscription from the server side. */
  end(error?: RpcError): void
}

export type MethodHandler<M extends MethodName> = (
  params: MethodParams<M>,
  ctx: CallContext,
) => MethodResult<M> | Promise<MethodResult<M>>

export type TopicHandler<T extends TopicName> = (
  params: TopicParams<T>,
  sink: TopicSink<T>,
  ctx: CallContext,
) => Disposable | Promise<Disposable>

export type MethodHandlers = { [M in MethodName]: MethodHandler<M> }
export type TopicHandlers = { [T in TopicName]: TopicHandler<T> }

export interface RpcServerOptions {
  methods: Partial<MethodHandlers>
  topics: Partial<TopicHandlers>
  logger?: Logger
}

let connectionCounter = 0

/**
 * The transport-agnostic server core: one instance serves any number of
 * connections, each a Transport. Every message is validated before dispatch,
 * every reply is checked against the contract, errors are `{code, message}`,
 * and a connection's subscriptions are disposed when it closes.
 */
export class RpcServer {
  private readonly connections = new Set<Connection>()
  private readonly logger: Logger

  constructor(private readonly options: RpcServerOptions) {
    this.logger = options.logger ?? nullLogger
  }

  get connectionCount(): number {
    return this.connections.size
  }

  connect(transport: Transport): Disposable {
    const conn = new Connection(transport, this.options, this.logger, () =>
      this.connections.delete(conn),
    )
    this.connections.add(conn)
    return { dispose: () => conn.close() }
  }

  /** Subscriptions currently open, over all connections (leak checks). */
  get subscriptionCount(): number {
    let n = 0
    for (const c of this.connections) n += c.subscriptionCount
    return n
  }

  dispose(): void {
    for (const c of [...this.connections]) c.close()
  }
}

class Connection {
  readonly id = `c${++connectionCounter}`
  private readonly abort = new AbortController()
  private readonly inflight = new Set<number>()
  private readonly subs = new Map<number, DisposableStore>()
  private readonly store = new DisposableStore()
  private closed = false

  constructor(
    private readonly transport: Transport,
    private readonly options: RpcServerOptions,
    private readonly logger: Logger,
    private readonly onClosed: () => void,
  ) {
    this.store.add(transport.onMessage((m) => this.onMessage(m)))
    this.store.add(transport.onClose(() => this.close()))
  }

  get subscriptionCount(): number {
    return this.subs.size
  }

  private get ctx(): CallContext {
    return { connectionId: this.id, signal: this.abort.signal }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.abort.abort()
    for (const s of this.subs.values()) this.safeDispose(s)
    this.subs.clear()
    this.inflight.clear()
    this.safeDispose(this.store)
    try {
      this.transport.close()
    } catch {
      // already closed
    }
    this.onClosed()
  }

  private safeDispose(d: Disposable): void {
    try {
      d.dispose()
    } catch (e) {
      this.logger.warn(`dispose failed: ${errorText(e)}`)
    }
  }

  private send(message: ServerMessage): void {
    if (this.closed) return
    try {
      this.transport.send(JSON.stringify(message))
    } catch (e) {
      this.logger.debug(`send failed on ${this.id}: ${errorText(e)}`)
    }
  }

  private sendError(id: number | null, error: RpcError | RpcErrorShape): void {
    this.send({ t: 'error', id, error: error instanceof RpcError ? error.toShape() : error })
  }

  private onMessage(text: string): void {
    if (this.closed) return
    if (typeof text !== 'string') {
      this.sendError(null, new RpcError('INVALID_MESSAGE', 'messages must be JSON text'))
      return
    }
    if (text.length > MAX_MESSAGE_CHARS) {
      this.sendError(
        null,
        new RpcError('INVALID_MESSAGE', `message exceeds ${MAX_MESSAGE_CHARS} characters`),
      )
      return
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      this.sendError(null, new RpcError('PARSE_ERROR', 'message is not valid JSON'))
      return
    }
    const parsed = ClientMessage.safeParse(raw)
    if (!parsed.success) {
      const detail = invalidParams('message', parsed.error)
      this.sendError(
        recoverId(raw),
        new RpcError('INVALID_MESSAGE', detail.message, detail.details),
      )
      return
    }
    const msg = parsed.data
    switch (msg.t) {
      case 'call':
        void this.onCall(msg.id, msg.method, msg.params)
        return
      case 'sub':
        void this.onSubscribe(msg.id, msg.topic, msg.params)
        return
      case 'unsub': {
        const s = this.subs.get(msg.id)
        if (s) {
          this.subs.delete(msg.id)
          this.safeDispose(s)
        }
        return
      }
    }
  }

  private isBusy(id: number): boolean {
    return this.inflight.has(id) || this.subs.has(id)
  }

  private async onCall(id: number, name: string, params: unknown): Promise<void> {
    if (this.isBusy(id)) {
      this.sendError(id, new RpcError('DUPLICATE_ID', `request id ${id} is already in use`))
      return
    }
    if (!Object.hasOwn(methods, name)) {
      this.sendError(id, new RpcError('UNKNOWN_METHOD', `unknown method: ${name}`))
      return
    }
    const method = name as MethodName
    const def = methods[method]
    const input = def.input.safeParse(params ?? {})
    if (!input.success) {
      this.sendError(id, invalidParams(`params for ${method}`, input.error))
      return
    }
    const handler = this.options.methods[method] as MethodHandler<MethodName> | undefined
    if (!handler) {
      this.sendError(id, new RpcError('UNAVAILABLE', `${method} is not available in this mode`))
      return
    }
    this.inflight.add(id)
    try {
      const result = await handler(input.data as never, this.ctx)
      if (!this.inflight.delete(id)) return
      const out = def.output.safeParse(result)
      if (!out.success) {
        this.logger.error(`${method} returned a result outside the contract: ${out.error.message}`)
        this.sendError(id, new RpcError('INTERNAL', `${method} produced an invalid result`))
        return
      }
      this.send({ t: 'result', id, result: out.data })
    } catch (e) {
      if (!this.inflight.delete(id)) return
      this.sendError(id, this.toRpcError(e, method))
    }
  }

  private async onSubscribe(id: number, name: string, params: unknown): Promise<void> {
    if (this.isBusy(id)) {
      this.sendError(id, new RpcError('DUPLICATE_ID', `request id ${id} is already in use`))
      return
    }
    if (!Object.hasOwn(topics, name)) {
      this.sendError(id, new RpcError('UNKNOWN_TOPIC', `unknown topic: ${name}`))
      return
    }
    const topic = name as TopicName
    const def = topics[topic]
    const input = def.params.safeParse(params ?? {})
    if (!input.success) {
      this.sendError(id, invalidParams(`params for ${topic}`, input.error))
      return
    }
    const handler = this.options.topics[topic] as TopicHandler<TopicName> | undefined
    if (!handler) {
      this.sendError(id, new RpcError('UNAVAILABLE', `${topic} is not available in this mode`))
      return
    }
    const store = new DisposableStore()
    this.subs.set(id, store)
    const live = (): boolean => this.subs.get(id) === store
    const sink: TopicSink<TopicName> = {
      emit: (data) => {
        if (!live()) return
        const out = def.data.safeParse(data)
        if (!out.success) {
          this.logger.error(`${topic} emitted an event outside the contract: ${out.error.message}`)
          sink.end(new RpcError('INTERNAL', `${topic} produced an invalid event`))
          return
        }
        this.send({ t: 'event', id, data: out.data })
      },
      end: (error) => {
        if (!live()) return
        this.subs.delete(id)
        this.safeDispose(store)
        this.send(error ? { t: 'end', id, error: error.toShape() } : { t: 'end', id })
      },
    }
    try {
      const d = await handler(input.data as never, sink as never, this.ctx)
      store.add(d)
    } catch (e) {
      if (!live()) return
      this.subs.delete(id)
      this.safeDispose(store)
      this.sendError(id, this.toRpcError(e, topic))
    }
  }

  private toRpcError(e: unknown, what: string): RpcError {
    if (e instanceof RpcError) return e
    // Anything else is a bug or an environment failure: log it whole here,
    // send only its message (never a stack) to the client.
    this.logger.error(`${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return new RpcError('INTERNAL', `${what} failed: ${errorText(e)}`)
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** Best effort: the id of a malformed message, so the client can match the error. */
function recoverId(raw: unknown): number | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id
  }
  return null
}
