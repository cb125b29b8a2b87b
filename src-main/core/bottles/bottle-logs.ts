import { open, stat, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { BackendLogLine, LogLine, LogSource } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { toDisposable, type Disposable } from '../base/lifecycle'
import type { LogHub } from '../base/logger'
import type { Docker } from '../docker/types'
import type { Smolvm } from '../smolvm/types'
import type { BottleRecord } from './metadata'

/** smolvm writes the guest console here, inside `machine data-dir NAME`. */
export const CONSOLE_LOG = 'agent-console.log'
const CONSOLE_POLL_MS = 500
const BATCH_MS = 100
/** Bytes read from the end of the console log for a tail: enough for thousands of lines. */
const TAIL_BYTES = 1 << 20

export interface LogTools {
  logs: LogHub
  docker: () => Docker
  smolvm: () => Promise<Smolvm>
}

/** The last `tail` lines of one of a bottle's logs. */
export async function readBottleLog(
  record: BottleRecord,
  source: LogSource,
  tail: number,
  tools: LogTools,
): Promise<LogLine[]> {
  const now = new Date().toISOString()
  switch (source) {
    case 'backend':
      return tools.logs
        .recent((l) => l.bottleId === record.bottle.id)
        .slice(-tail)
        .map(backendLine)
    case 'bundle': {
      const container = bundleOf(record)
      const text = await tools
        .docker()
        .logs(container, { tail, timestamps: true })
        .catch((e: unknown) => {
          throw new RpcError(
            'PRECONDITION',
            `the bundle container ${container} cannot be read (${(e as Error).message})`,
          )
        })
      // docker returns stdout then stderr: their timestamps put them back in order.
      return splitLines(text)
        .map((l) => stampedLine(l, source, now))
        .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
        .slice(-tail)
    }
    case 'console': {
      const path = await consolePath(record, tools)
      const { text } = await readFrom(path, -TAIL_BYTES)
      return splitLines(text)
        .slice(-tail)
        .map((text) => ({ time: now, source, text }))
    }
  }
}

/** New lines of a bottle's log as they come, in batches. */
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
  let inner: Disposable
  switch (source) {
    case 'backend':
      inner = tools.logs.onLine((l) => {
        if (l.bottleId === record.bottle.id) push(backendLine(l))
      })
      break
    case 'bundle':
      inner = tools
        .docker()
        .followLogs(
          bundleOf(record),
          (text) => push(stampedLine(text, source, new Date().toISOString())),
          {
            tail: 0,
            timestamps: true,
          },
        )
      break
    case 'console':
      inner = followFile(
        () => consolePath(record, tools),
        (text) => push({ time: new Date().toISOString(), source, text }),
      )
      break
  }
  return toDisposable(() => {
    if (timer) clearTimeout(timer)
    inner.dispose()
  })
}

function backendLine(l: BackendLogLine): LogLine {
  return { time: l.time, source: 'backend', text: `${l.level} ${l.scope}: ${l.message}` }
}

function bundleOf(record: BottleRecord): string {
  const container = record.bottle.bundle?.container
  if (!container)
    throw new RpcError('PRECONDITION', `bottle ${record.bottle.id} has no bundle container (yet)`)
  return container
}

async function consolePath(record: BottleRecord, tools: LogTools): Promise<string> {
  if (!record.resources.some((r) => r.kind === 'machine')) {
    throw new RpcError('PRECONDITION', `bottle ${record.bottle.id} has no VM (yet)`)
  }
  const smolvm = await tools.smolvm()
  return join(await smolvm.dataDir(record.bottle.machineName), CONSOLE_LOG)
}

/** Reads from `offset` (negative: that many bytes before the end) to the end; a missing file is empty. */
async function readFrom(path: string, offset: number): Promise<{ text: string; end: number }> {
  let fh: FileHandle
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', end: 0 }
    throw e
  }
  try {
    const { size } = await fh.stat()
    const start = offset < 0 ? Math.max(0, size + offset) : Math.min(offset, size)
    const buf = Buffer.alloc(size - start)
    await fh.read(buf, 0, buf.length, start)
    return { text: buf.toString('utf8'), end: size }
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
