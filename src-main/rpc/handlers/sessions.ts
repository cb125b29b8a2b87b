import { RpcError } from '../../../src-shared/rpc/errors'
import type { SessionService } from '../../core/sessions/session-service'
import type { HandlerGroup } from './types'

/** Ends a viewer the session detached for holding the pty paused (details.reason 'stalled'). */
const STALLED_VIEWER_MESSAGE =
  'this terminal stopped acknowledging output and was detached so the session keeps running; attach again to catch up'

type SessionMethods =
  | 'sessions.open'
  | 'sessions.list'
  | 'sessions.input'
  | 'sessions.resize'
  | 'sessions.ack'
  | 'sessions.close'
  | 'sessions.dismiss'
  | 'sessions.snapshot'

/**
 * The terminal sessions over the RPC. A `sessions.output` subscription is one
 * viewer, keyed by its connection: `sessions.ack` from that connection
 * releases its flow control.
 */
export function sessionHandlers(
  service: SessionService,
): HandlerGroup<SessionMethods, 'sessions.events' | 'sessions.output'> {
  return {
    methods: {
      'sessions.open': (params) => service.open(params),
      'sessions.list': ({ bottleId }) => service.list(bottleId),
      'sessions.input': ({ sessionId, data }) => {
        service.input(sessionId, data)
        return {}
      },
      'sessions.resize': ({ sessionId, cols, rows }, ctx) => {
        service.resize(sessionId, cols, rows, ctx.connectionId)
        return {}
      },
      'sessions.ack': ({ sessionId, chars }, ctx) => {
        service.ack(sessionId, ctx.connectionId, chars)
        return {}
      },
      'sessions.close': async ({ sessionId }) => {
        await service.close(sessionId)
        return {}
      },
      'sessions.dismiss': ({ sessionId }) => {
        service.dismiss(sessionId)
        return {}
      },
      'sessions.snapshot': ({ sessionId }) => service.snapshot(sessionId),
    },
    topics: {
      'sessions.events': (_params, sink) => {
        sink.emit({ kind: 'snapshot', sessions: service.list() })
        return service.onDidChange((change) => sink.emit(change))
      },
      'sessions.output': ({ sessionId }, sink, ctx) =>
        service.attach(sessionId, ctx.connectionId, {
          emit: (e) => sink.emit(e),
          end: (reason) =>
            sink.end(
              reason === 'stalled'
                ? new RpcError('UNAVAILABLE', STALLED_VIEWER_MESSAGE, { reason: 'stalled' })
                : undefined,
            ),
        }),
    },
  }
}
