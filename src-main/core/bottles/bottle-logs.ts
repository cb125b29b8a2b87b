import { open, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { BackendLogLine, LogLine, LogSource } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { toDisposable, type Disposable } from '../base/lifecycle'
import type { LogHub } from '../base/logger'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'
import { CAPTURE_BYTES, type Captured, type CapturedLogs, type CapturedSource } from './log-capture'
import type { BottleRecord } from './metadata'

/** smolvm writes the guest console here, inside `machine data-dir NAME`. */
export const CONSOLE_LOG = 'agent-console.log'
const CONSOLE_POLL_MS = 500
const BATCH_MS = 100
/** Bytes read from the end of the console log for a tail: enough for thousands of lines. */
const TAIL_BYTES = 1 << 20
/** Lines of a bundle log kept at teardown: the most `bottles.logs` serves. */
const KEEP_LINES = 10_000

export interface LogTools {
  logs: LogHub
  docker: () => Docker
  smolvm: () => Promise<Smolvm>
  /** Where torn-down bottles' logs are kept, and the masking of secrets in every line. */
  captured?: CapturedLogs
}

/** The last `tail` lines of one of a bottle's logs; a torn-down bottle's bundle and console logs as kept. */
export async function readBottleLog(
  record: BottleRecord,
  source: LogSource,
  tail: number,
  tools: LogTools,
): Promise<LogLine[]> {
  const now = new Date().toISOString()
  const mask = (text: string): string => tools.captured?.mask(text) ?? text
  switch (source) {
    case 'backend':
      return tools.logs
        .recent((l) => l.bottleId === record.bottle.id)
        .slice(-tail)
        .map(backendLine)
    case 'bundle': {
      const container = liveBundle(record)
      if (!container) {
        const kept = await keptLog(record, source, tools)
        return bundleLines(mask(kept.text), kept.capturedAt).slice(-tail)
      }
      const text = await tools
        .docker()
        .logs(container, { tail, timestamps: true })
        .catch((e: unknown) => {
          throw new RpcError(
            'PRECONDITION',
            `the bundle container ${container} cannot be read (${(e as Error).message})`,
          )
        })
      return bundleLines(mask(text), now).slice(-tail)
    }
    case 'console': {
      if (!hasVm(record)) {
        const kept = await keptLog(record, source, tools)
        return consoleLines(mask(kept.text), kept.capturedAt).slice(-tail)
      }
      const path = await consolePath(record, tools)
      return consoleLines(mask(await readTail(path, TAIL_BYTES)), now).slice(-tail)
    }
  }
}

/**
 * New lines of a bottle's log as they come, in batches. A bundle or console
 * log that has ended with its container or VM has no more: nothing comes.
 */
export function followBottleLog(
  record: BottleRecord,
  source: LogSource,
  emit: (lines: LogLine[]) => void,
  tools: LogTools,
): Disposable {
  const batch: LogLine[] = []
  let timer: NodeJS.Timeout | null = null
  const push = (line: LogLine): void => {
    batch.push(line)
    timer ??= setTimeout(() => {
      timer = null
      emit(batch.splice(0))
    }, BATCH_MS)
  }
  const mask = (text: string): string => tools.captured?.mask(text) ?? text
  let inner: Disposable
  switch (source) {
    case 'backend':
      inner = tools.logs.onLine((l) => {
        if (l.bottleId === record.bottle.id) push(backendLine(l))
      })
      break
    case 'bundle': {
      const container = liveBundle(record)
      if (!container) return noMoreLines(record, source)
      inner = tools
        .docker()
        .followLogs(
          container,
          (text) => push(stampedLine(mask(text), source, new Date().toISOString())),
          { tail: 0, timestamps: true },
        )
      break
    }
    case 'console':
      if (!hasVm(record)) return noMoreLines(record, source)
      inner = followFile(
        () => consolePath(record, tools),
        (text) => push({ time: new Date().toISOString(), source, text: mask(text) }),
      )
      break
  }
  return toDisposable(() => {
    if (timer) clearTimeout(timer)
    inner.dispose()
  })
}

/**
 * The text worth keeping of a bundle or console log whose container or VM
 * (`name`) is about to be removed: its latest lines, oldest first, as
 * `readBottleLog` reads them back. Empty when there is none.
 */
export async function logToKeep(
  source: CapturedSource,
  name: string,
  tools: Pick<LogTools, 'docker' | 'smolvm'>,
): Promise<string> {
  if (source === 'console') {
    const smolvm = await tools.smolvm()
    return readTail(join(await smolvm.dataDir(name), CONSOLE_LOG), CAPTURE_BYTES)
  }
  const text = await tools.docker().logs(name, { tail: KEEP_LINES, timestamps: true })
  return byTime(text, '')
    .map((l) => l.raw)
    .join('\n')
}

function backendLine(l: BackendLogLine): LogLine {
  return { time: l.time, source: 'backend', text: `${l.level} ${l.scope}: ${l.message}` }
}

/** The bundle container while the bottle holds it. */
function liveBundle(record: BottleRecord): string | null {
  const container = record.bottle.bundle?.container
  return container && record.resources.some((r) => r.kind === 'container' && r.name === container)
    ? container
    : null
}

function hasVm(record: BottleRecord): boolean {
  return record.resources.some((r) => r.kind === 'machine')
}

/** The log kept when the bottle's container or VM was removed, or why there is none to show. */
async function keptLog(
  record: BottleRecord,
  source: CapturedSource,
  tools: LogTools,
): Promise<Captured> {
  const kept = await tools.captured?.read(record, source)
  if (kept) return kept
  throw new RpcError('PRECONDITION', whyNoLog(record, source))
}

/** Following a log that has ended: no lines will come; one that has not begun is refused. */
function noMoreLines(record: BottleRecord, source: CapturedSource): Disposable {
  const { state } = record.bottle
  if (state === 'launching' || state === 'running')
    throw new RpcError('PRECONDITION', whyNoLog(record, source))
  return toDisposable(() => {})
}

function whyNoLog(record: BottleRecord, source: CapturedSource): string {
  const { id, state, bundle, steps } = record.bottle
  const what = source === 'bundle' ? 'bundle container' : 'VM'
  if (state === 'launching' || state === 'running') return `bottle ${id} has no ${what} yet`
  const had =
    source === 'bundle' ? bundle !== null : steps.some((s) => s.id === 'create' && s.startedAt)
  if (!had) return `bottle ${id} never had a ${what}`
  return `bottle ${id} ${state === 'stopping' ? 'is stopping' : 'has ended'}: its ${what} is gone and its log was not kept (see its backend log)`
}

async function consolePath(record: BottleRecord, tools: LogTools): Promise<string> {
  const smolvm = await tools.smolvm()
  return join(await smolvm.dataDir(record.bottle.machineName), CONSOLE_LOG)
}

/** `docker logs --timestamps` output in time order: docker returns stdout, then stderr. */
function byTime(text: string, fallbackTime: string): { raw: string; line: LogLine }[] {
  return splitLines(text)
    .map((raw) => ({ raw, line: stampedLine(raw, 'bundle', fallbackTime) }))
    .sort((a, b) => (a.line.time < b.line.time ? -1 : a.line.time > b.line.time ? 1 : 0))
}

function bundleLines(text: string, fallbackTime: string): LogLine[] {
  return byTime(text, fallbackTime).map((l) => l.line)
}

function consoleLines(text: string, time: string): LogLine[] {
  return splitLines(text).map((text) => ({ time, source: 'console' as const, text }))
}

/** The last `bytes` of a file from its first whole line on; a missing file is empty. */
async function readTail(path: string, bytes: number): Promise<string> {
  const { text, start } = await readFrom(path, -bytes)
  return start > 0 ? text.slice(text.indexOf('\n') + 1) : text
}

/** Reads from `offset` (negative: that many bytes before the end) to the end; a missing file is empty. */
async function readFrom(
  path: string,
  offset: number,
): Promise<{ text: string; start: number; end: number }> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', start: 0, end: 0 }
    throw e
  }
  try {
    const { size } = await fh.stat()
    const start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size)
    const buf = Buffer.alloc(size - start)
    await fh.read(buf, 0, buf.length, start)
    return { text: buf.toString('utf8'), start, end: size }
  } finally {
    await fh.close()
  }
}

/** Polls a file for appended lines (the console log is written by another process); starts at its end. */
function followFile(
  resolvePath: () => Promise<string>,
  onLine: (line: string) => void,
): Disposable {
  let stopped = false
  let offset: number | null = null
  let partial = ''
  let timer: NodeJS.Timeout | null = null
  const tick = async (): Promise<void> => {
    try {
      const path = await resolvePath()
      const size = await stat(path).then(
        (s) => s.size,
        () => 0,
      )
      if (offset === null || size < offset) {
        // First look, or the file was truncated / replaced: start from its end.
        offset = size
        partial = ''
      } else if (size > offset) {
        const { text, end } = await readFrom(path, offset)
        offset = end
        const parts = (partial + text).split('\n')
        partial = parts.pop() ?? ''
        for (const l of parts) onLine(l.replace(/\r$/, ''))
      }
    } catch {
      // the VM may be stopping: try again next tick
    }
    if (!stopped) timer = setTimeout(() => void tick(), CONSOLE_POLL_MS)
  }
  void tick()
  return toDisposable(() => {
    stopped = true
    if (timer) clearTimeout(timer)
  })
}

/** A `docker logs --timestamps` line: its own time (ISO, ms precision) and text. */
export function stampedLine(line: string, source: LogSource, fallbackTime: string): LogLine {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/s.exec(line)
  const time = m ? new Date(m[1] as string) : null
  if (!m || !time || Number.isNaN(time.getTime())) return { time: fallbackTime, source, text: line }
  return { time: time.toISOString(), source, text: m[2] as string }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''))
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}
