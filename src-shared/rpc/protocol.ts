import { z } from 'zod'
import { RpcErrorShape } from './errors'

/**
 * The wire protocol, identical on every transport. Messages are JSON text.
 *
 * client → server
 *   {t:'call',  id, method, params}   one request, one reply
 *   {t:'sub',   id, topic,  params}   a stream of events until unsub/end
 *   {t:'unsub', id}
 * server → client
 *   {t:'result', id, result}
 *   {t:'error',  id, error}           id is null when the message had no usable id
 *   {t:'event',  id, data}
 *   {t:'end',    id, error?}          a subscription ended (server side)
 */
export const RequestId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
export type RequestId = z.infer<typeof RequestId>

const Name = z.string().min(1).max(100)

export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: RequestId, method: Name, params: z.unknown() }).strict(),
  z.object({ t: z.literal('sub'), id: RequestId, topic: Name, params: z.unknown() }).strict(),
  z.object({ t: z.literal('unsub'), id: RequestId }).strict(),
])
export type ClientMessage = z.infer<typeof ClientMessage>

export const ServerMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('result'), id: RequestId, result: z.unknown() }),
  z.object({ t: z.literal('error'), id: RequestId.nullable(), error: RpcErrorShape }),
  z.object({ t: z.literal('event'), id: RequestId, data: z.unknown() }),
  z.object({ t: z.literal('end'), id: RequestId, error: RpcErrorShape.optional() }),
])
export type ServerMessage = z.infer<typeof ServerMessage>

/** Largest message either side accepts, in UTF-16 code units of JSON text. */
export const MAX_MESSAGE_CHARS = 8 * 1024 * 1024
