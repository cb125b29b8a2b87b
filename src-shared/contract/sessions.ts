import { z } from 'zod'
import { method, topic } from '../rpc/define'
import { Empty, IsoTime, Ok, Slug } from './common'

export const SessionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/)

export const SessionKind = z.enum(['agent', 'shell'])
export type SessionKind = z.infer<typeof SessionKind>

const Cols = z.number().int().min(2).max(1000)
const Rows = z.number().int().min(1).max(500)

export const SessionInfo = z.object({
  id: SessionId,
  bottleId: Slug,
  kind: SessionKind,
  title: z.string(),
  state: z.enum(['running', 'exited']),
  cols: z.number().int(),
  rows: z.number().int(),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  exitCode: z.number().int().nullable(),
  signal: z.number().int().nullable(),
})
export type SessionInfo = z.infer<typeof SessionInfo>

export const SessionSnapshot = z.object({
  /** The serialized screen and scrollback (@xterm/addon-serialize output). */
  data: z.string(),
  cols: z.number().int(),
  rows: z.number().int(),
})
export type SessionSnapshot = z.infer<typeof SessionSnapshot>

export const SessionOutputEvent = z.discriminatedUnion('kind', [
  /** Always first: the screen as it is, so a reattach starts from it. */
  z.object({
    kind: z.literal('snapshot'),
    data: z.string(),
    cols: z.number().int(),
    rows: z.number().int(),
  }),
  /** Batched output; never splits a multi-byte character. Acknowledge its length. */
  z.object({ kind: z.literal('data'), data: z.string() }),
  z.object({
    kind: z.literal('exit'),
    exitCode: z.number().int().nullable(),
    signal: z.number().int().nullable(),
  }),
])
export type SessionOutputEvent = z.infer<typeof SessionOutputEvent>

export const SessionEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), sessions: z.array(SessionInfo) }),
  z.object({ kind: z.literal('upsert'), session: SessionInfo }),
  z.object({ kind: z.literal('removed'), id: SessionId }),
])
export type SessionEvent = z.infer<typeof SessionEvent>

const BySession = z.object({ sessionId: SessionId }).strict()

/**
 * Sessions (the agent's and shells) that run at once per bottle: each holds
 * one of the 8 connections smolvm's guest agent serves per VM, and its status
 * ping, the self-test, execs and cps must always find one free.
 */
export const MAX_SESSIONS_PER_BOTTLE = 6

/** The most one `sessions.input` carries. */
export const SESSION_INPUT_MAX_CHARS = 1 << 20

/**
 * Input (a large paste) in parts one `sessions.input` each, sent in order;
 * never cut between the halves of a surrogate pair.
 */
export function splitSessionInput(data: string, max: number = 64 * 1024): string[] {
  const limit = Math.max(2, Math.min(max, SESSION_INPUT_MAX_CHARS))
  const parts: string[] = []
  for (let i = 0; i < data.length;) {
    let end = Math.min(i + limit, data.length)
    const last = data.charCodeAt(end - 1)
    if (end < data.length && last >= 0xd800 && last <= 0xdbff) end--
    parts.push(data.slice(i, end))
    i = end
  }
  return parts
}

export const sessionMethods = {
  'sessions.open': method(
    z
      .object({ bottleId: Slug, kind: SessionKind, cols: Cols.default(80), rows: Rows.default(24) })
      .strict(),
    SessionInfo,
    'Start the agent session or a shell in a running bottle',
  ),
  'sessions.list': method(
    z.object({ bottleId: Slug.optional() }).strict(),
    z.array(SessionInfo),
    'Sessions, running and ended (until dismissed)',
  ),
  'sessions.input': method(
    z.object({ sessionId: SessionId, data: z.string().max(SESSION_INPUT_MAX_CHARS) }).strict(),
    Ok,
    'Keystrokes or pasted text for a session',
  ),
  'sessions.resize': method(
    z.object({ sessionId: SessionId, cols: Cols, rows: Rows }).strict(),
    Ok,
    'Resize the session’s pty',
  ),
  'sessions.ack': method(
    z
      .object({
        sessionId: SessionId,
        chars: z
          .number()
          .int()
          .positive()
          .max(1 << 30),
      })
      .strict(),
    Ok,
    'Acknowledge characters the terminal has written (flow control)',
  ),
  'sessions.close': method(BySession, Ok, 'Kill a running session'),
  'sessions.dismiss': method(BySession, Ok, 'Forget an ended session and its scrollback'),
  'sessions.snapshot': method(BySession, SessionSnapshot, 'The serialized screen, for reattach'),
} as const

export const sessionTopics = {
  'sessions.events': topic(Empty, SessionEvent, 'A snapshot, then every session change'),
  'sessions.output': topic(
    BySession,
    SessionOutputEvent,
    'A session’s screen, then its output as it comes',
  ),
} as const
