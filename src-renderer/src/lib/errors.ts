import { z } from 'zod'
import { RpcError, type RpcErrorShape } from '../../../src-shared/rpc/errors'

/** Any thrown value as the wire's error shape (what the UI renders). */
export function toErrorShape(e: unknown): RpcErrorShape {
  if (e instanceof RpcError) return e.toShape()
  if (e instanceof Error) return { code: 'INTERNAL', message: e.message }
  return { code: 'INTERNAL', message: String(e) }
}

const CommandDetails = z.object({
  command: z.union([z.string(), z.array(z.string())]).optional(),
  argv: z.array(z.string()).optional(),
  exitCode: z.number().nullable().optional(),
  stderr: z.string().optional(),
})

export interface CommandFailure {
  command: string | null
  exitCode: number | null
  stderr: string | null
}

/** COMMAND_FAILED details ({command, exitCode, stderr}), when the error carries them. */
export function commandFailure(error: RpcErrorShape): CommandFailure | null {
  const parsed = CommandDetails.safeParse(error.details)
  if (!parsed.success) return null
  const d = parsed.data
  const cmd = d.command ?? d.argv ?? null
  const command = cmd === null ? null : Array.isArray(cmd) ? cmd.join(' ') : cmd
  if (command === null && d.stderr === undefined && d.exitCode === undefined) return null
  return { command, exitCode: d.exitCode ?? null, stderr: d.stderr ?? null }
}

const Issue = z.object({
  path: z.string(),
  message: z.string(),
  line: z.number().nullable().optional(),
  column: z.number().nullable().optional(),
})
export type Issue = z.infer<typeof Issue>

/** INVALID_PARAMS details.issues (`path: reason` pairs, manifest issues add line/column). */
export function errorIssues(error: RpcErrorShape | null): Issue[] {
  if (!error || error.code !== 'INVALID_PARAMS') return []
  const parsed = z.object({ issues: z.array(Issue) }).safeParse(error.details)
  return parsed.success ? parsed.data.issues : []
}

/** Issues keyed by the form field they are about: the path's first `depth` segments (`rules.3`). */
export function fieldErrors(issues: Issue[], depth = 1): Record<string, string> {
  const out: Record<string, string> = {}
  for (const issue of issues) {
    const key = issue.path.split('.').slice(0, depth).join('.')
    out[key] ??= issue.message
  }
  return out
}

const InvalidRules = z.object({
  invalid: z.array(z.object({ rule: z.string(), reason: z.string() })),
})

/** Egress rules the bundle's matcher refused (INVALID_PARAMS details.invalid: [{rule, reason}]). */
export function invalidRules(error: RpcErrorShape | null): { rule: string; reason: string }[] {
  if (!error || error.code !== 'INVALID_PARAMS') return []
  const parsed = InvalidRules.safeParse(error.details)
  return parsed.success ? parsed.data.invalid : []
}

/**
 * A form's refusal split for display: messages for the fields the issues
 * name, and the error itself when some of it names no field (shown whole).
 */
export function formErrors(
  error: RpcErrorShape | null,
  fields: readonly string[],
): { fields: Record<string, string>; general: RpcErrorShape | null } {
  const issues = errorIssues(error)
  // Without details.issues, a refusal still names its field the conventional way: "field: reason".
  const named = error?.code === 'INVALID_PARAMS' && /^([A-Za-z]\w*): (.+)$/s.exec(error.message)
  if (issues.length === 0 && named && fields.includes(named[1]!)) {
    issues.push({ path: named[1]!, message: named[2]! })
  }
  const unplaced = issues.some((i) => !fields.includes(i.path.split('.')[0] ?? ''))
  return {
    fields: fieldErrors(issues),
    general: error && (issues.length === 0 || unplaced) ? error : null,
  }
}

/** A sentence on what an error code means for the person using the app. */
export function codeHint(code: RpcErrorShape['code']): string | null {
  switch (code) {
    case 'UNAVAILABLE':
      return 'Not available: this backend does not offer it (yet, or not in this mode).'
    case 'TIMEOUT':
      return 'The backend did not answer in time.'
    case 'COMMAND_FAILED':
      return 'An external command failed; its output is below.'
    case 'NOT_FOUND':
      return 'It no longer exists.'
    case 'PRECONDITION':
      return 'Not possible in the current state.'
    default:
      return null
  }
}
