import { createInterface } from 'node:readline'
import { execa } from 'execa'
import { toDisposable, type Disposable } from '../base/lifecycle'
import type { Logger } from '../base/logger'

/**
 * A long-running command read line by line (`docker logs -f`). CommandRunner
 * waits for completion, so followers spawn here: same rules (execa, argv
 * array, no shell), no timeout because following has no natural end; dispose
 * stops it.
 */
export function followLines(options: {
  file: string
  args: readonly string[]
  onLine: (line: string, stream: 'stdout' | 'stderr') => void
  onEnd?: (error?: Error) => void
  logger?: Logger
}): Disposable {
  const { file, args, onLine, onEnd, logger } = options
  let disposed = false
  let lastStderr = ''
  const child = execa(file, [...args], {
    buffer: false,
    stdin: 'ignore',
    reject: false,
    windowsHide: true,
    forceKillAfterDelay: 2000,
  })
  const read = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): void => {
    if (!stream) return
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      if (disposed) return
      if (name === 'stderr') lastStderr = line
      try {
        onLine(line, name)
      } catch (e) {
        logger?.warn(`log line handler failed: ${e instanceof Error ? e.message : String(e)}`)
      }
    })
  }
  read(child.stdout, 'stdout')
  read(child.stderr, 'stderr')
  void child.then((result) => {
    if (disposed) return
    disposed = true
    const failed = result.exitCode !== 0 || result.failed
    logger?.debug(
      `${file} ${args.join(' ')} ended (${result.exitCode ?? result.signal ?? 'spawn failure'})`,
    )
    onEnd?.(
      failed
        ? new Error(`${file} ${args.join(' ')}: ${lastStderr || result.shortMessage || 'failed'}`)
        : undefined,
    )
  })
  return toDisposable(() => {
    if (disposed) return
    disposed = true
    child.kill('SIGTERM')
  })
}
