import { z } from 'zod'

/**
 * Every error that crosses the RPC boundary carries one of these codes, a
 * human-readable message and optional JSON details. Never a stack trace.
 */
export const ErrorCode = z.enum([
  /** The message was not JSON. */
  'PARSE_ERROR',
  /** The message was JSON but not a valid envelope. */
  'INVALID_MESSAGE',
  'UNKNOWN_METHOD',
  'UNKNOWN_TOPIC',
  /** The payload failed the method's or topic's schema. */
  'INVALID_PARAMS',
  /** A request id already in flight on this connection was reused. */
  'DUPLICATE_ID',
  'NOT_FOUND',
  'CONFLICT',
  /** The operation is not possible in the current state (e.g. exec on a stopped bottle). */
  'PRECONDITION',
  'CANCELLED',
  'TIMEOUT',
  /** An external command (smolvm, docker, …) failed; details carry argv and stderr. */
  'COMMAND_FAILED',
  /** The feature is not available in this mode or on this host. */
  'UNAVAILABLE',
  'INTERNAL',
])
export type ErrorCode = z.infer<typeof ErrorCode>

export const RpcErrorShape = z.object({
  code: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
})
export type RpcErrorShape = z.infer<typeof RpcErrorShape>

/** An error with a wire code. Throw it from services; the server sends it as is. */
export class RpcError extends Error {
  override readonly name = 'RpcError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }

  toShape(): RpcErrorShape {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }

  static from(shape: RpcErrorShape): RpcError {
    return new RpcError(shape.code, shape.message, shape.details)
  }
}

export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError
}

/** Formats zod issues as `path: reason` pairs for INVALID_PARAMS details. */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({
    path: i.path.length ? i.path.map(String).join('.') : '(root)',
    message: i.message,
  }))
}

export function invalidParams(what: string, error: z.ZodError): RpcError {
  const issues = zodIssues(error)
  const first = issues[0]
  const summary = first ? `${first.path}: ${first.message}` : 'invalid'
  return new RpcError('INVALID_PARAMS', `invalid ${what}: ${summary}`, { issues })
}

/** INVALID_PARAMS for one field, shaped like a schema failure so forms can put it on the field. */
export function fieldError(path: string, message: string): RpcError {
  return new RpcError('INVALID_PARAMS', `${path}: ${message}`, { issues: [{ path, message }] })
}
