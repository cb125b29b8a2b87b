import {
  methods,
  topics,
  type MethodInput,
  type MethodName,
  type MethodResult,
  type TopicData,
  type TopicInput,
  type TopicName,
} from '../contract'
import { RpcError } from './errors'
import { ServerMessage, type ClientMessage } from './protocol'
import type { Disposable, Transport } from './transport'

interface Pending {
  method: MethodName
  resolve(value: unknown): void
  reject(error: RpcError): void
  timer: ReturnType<typeof setTimeout> | undefined
}

interface Subscription {
  topic: TopicName
  onEvent(data: unknown): void
  onEnd(error?: RpcError): void
}

export interface CallOptions {
  /** Reject with TIMEOUT after this long. The server keeps working. */
  timeoutMs?: number
}

/**
 * The typed client. Results and events are checked against the contract, so
 * what a caller receives is what the types say.
 */
export class RpcClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly subs = new Map<number, Subscription>()
  private readonly disposables: Disposable[] = []
  private closed = false
  private readonly closeListeners = new Set<() => void>()

  constructor(private readonly transport: Transport) {
    this.disposables.push(
      transport.onMessage((text) => this.onMessage(text)),
      transport.onClose(() => this.onClose()),
    )
  }

  get isClosed(): boolean {
    return this.closed
  }

  call<M extends MethodName>(
    method: M,
    params: MethodInput<M>,
    options: CallOptions = {},
  ): Promise<MethodResult<M>> {
    if (this.closed) return Promise.reject(new RpcError('UNAVAILABLE', 'connection closed'))
    const id = this.nextId++
    return new Promise<MethodResult<M>>((resolve, reject) => {
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id)
              reject(new RpcError('TIMEOUT', `${method} timed out after ${options.timeoutMs} ms`))
            }, options.timeoutMs)
      this.pending.set(id, {
        method,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer,
      })
      this.send({ t: 'call', id, method, params })
    })
  }

  subscribe<T extends TopicName>(
    topic: T,
    params: TopicInput<T>,
    onEvent: (data: TopicData<T>) => void,
    onEnd: (error?: RpcError) => void = () => {},
  ): Disposable {
    if (this.closed) {
      queueMicrotask(() => onEnd(new RpcError('UNAVAILABLE', 'connection closed')))
      return { dispose() {} }
    }
    const id = this.nextId++
    this.subs.set(id, { topic, onEvent: onEvent as (d: unknown) => void, onEnd })
    this.send({ t: 'sub', id, topic, params })
    return {
      dispose: () => {
        if (this.subs.delete(id) && !this.closed) this.send({ t: 'unsub', id })
      },
    }
  }

  onDidClose(listener: () => void): Disposable {
    this.closeListeners.add(listener)
    return { dispose: () => this.closeListeners.delete(listener) }
  }

  dispose(): void {
    this.transport.close()
    this.onClose()
  }

  private send(message: ClientMessage): void {
    this.transport.send(JSON.stringify(message))
  }

  private onMessage(text: string): void {
    let parsed: ServerMessage
    try {
      parsed = ServerMessage.parse(JSON.parse(text))
    } catch {
      return // a server that speaks nonsense gets no say
    }
    switch (parsed.t) {
      case 'result': {
        const p = this.pending.get(parsed.id)
        if (!p) return
        this.settle(parsed.id, p)
        const out = methods[p.method].output.safeParse(parsed.result)
        if (out.success) p.resolve(out.data)
        else p.reject(new RpcError('INTERNAL', `${p.method}: result does not match the contract`))
        return
      }
      case 'error': {
        if (parsed.id === null) return
        const p = this.pending.get(parsed.id)
        if (p) {
          this.settle(parsed.id, p)
          p.reject(RpcError.from(parsed.error))
          return
        }
        const s = this.subs.get(parsed.id)
        if (s) {
          this.subs.delete(parsed.id)
          s.onEnd(RpcError.from(parsed.error))
        }
        return
      }
      case 'event': {
        const s = this.subs.get(parsed.id)
        if (!s) return
        const data = topics[s.topic].data.safeParse(parsed.data)
        if (data.success) s.onEvent(data.data)
        return
      }
      case 'end': {
        const s = this.subs.get(parsed.id)
        if (!s) return
        this.subs.delete(parsed.id)
        s.onEnd(parsed.error ? RpcError.from(parsed.error) : undefined)
        return
      }
    }
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id)
    if (p.timer !== undefined) clearTimeout(p.timer)
  }

  private onClose(): void {
    if (this.closed) return
    this.closed = true
    for (const d of this.disposables.splice(0)) d.dispose()
    const err = new RpcError('UNAVAILABLE', 'connection closed')
    for (const [id, p] of this.pending) {
      this.settle(id, p)
      p.reject(err)
    }
    for (const s of this.subs.values()) s.onEnd(err)
    this.subs.clear()
    for (const l of this.closeListeners) l()
  }
}
