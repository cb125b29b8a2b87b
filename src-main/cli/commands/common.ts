import { resolve } from 'node:path'
import type { Bottle } from '../../../src-shared/contract'
import { RpcError, isRpcError } from '../../../src-shared/rpc/errors'
import { createBackend, type Backend } from '../../core/backend'
import { UsageError, type ParsedArgs } from '../args'
import type { CliIO } from '../command'

/**
 * The same backend the app builds, for one CLI command: state comes from the
 * metadata dir, smolvm and docker (bottles outlive every process). Warnings
 * (an env variable left out, say) go to stderr; the command reports errors.
 */
export async function withBackend<T>(
  io: CliIO,
  body: (backend: Backend) => Promise<T>,
): Promise<T> {
  const backend = await createBackend({
    mode: 'cli',
    env: io.env,
    version: io.env.BOT_BOTTLE_VERSION,
    logSink: (l) => {
      if (l.level === 'warn') io.err(`warning: ${l.message}`)
    },
  })
  try {
    return await body(backend)
  } finally {
    await backend.bottles.shutdown()
    backend.dispose()
  }
}

/** A bottle by its id or an unambiguous prefix of it (as docker does for containers). */
export function findBottle(bottles: readonly Bottle[], ref: string): Bottle {
  const exact = bottles.find((b) => b.id === ref)
  if (exact) return exact
  const matches = bottles.filter((b) => b.id.startsWith(ref))
  if (matches.length === 1 && matches[0]) return matches[0]
  if (matches.length > 1)
    throw new RpcError(
      'CONFLICT',
      `“${ref}” matches ${matches.map((b) => b.id).join(', ')}: say which`,
    )
  throw new RpcError('NOT_FOUND', `no bottle “${ref}” (bot-bottle ls lists them)`)
}

export function positional(args: ParsedArgs, index: number, name: string): string {
  const v = args.positionals[index]
  if (v === undefined) throw new UsageError(`missing <${name}>`)
  return v
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name]
  return typeof v === 'string' ? v : undefined
}

/** An absolute host path: relative ones are taken from the current directory. */
export function hostPath(path: string): string {
  return resolve(process.cwd(), path)
}

export function printJson(io: CliIO, value: unknown): void {
  io.out(JSON.stringify(value, null, 2))
}

/** An error's message, then what failed underneath (command line, stderr tail) when it carries that. */
export function describeError(e: unknown): string {
  if (!isRpcError(e)) return e instanceof Error ? e.message : String(e)
  return [e.message, ...detailLines(e.details)].join('\n')
}

export function detailLines(details: unknown): string[] {
  if (!details || typeof details !== 'object') return []
  const d = details as { command?: unknown; stderr?: unknown; issues?: unknown }
  const lines: string[] = []
  if (typeof d.command === 'string') lines.push(`  command: ${d.command}`)
  if (typeof d.stderr === 'string' && d.stderr.trim()) {
    const tail = d.stderr.trim().split('\n').slice(-12)
    lines.push('  stderr:', ...tail.map((l) => `    ${l}`))
  }
  return lines
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const min = Math.floor(ms / 60_000)
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  return h < 48 ? `${h} h` : `${Math.floor(h / 24)} d`
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows.reduce<number[]>((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [])
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
