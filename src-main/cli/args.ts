/**
 * A small, strict argv parser for the CLI: `--flag`, `--key value`,
 * `--key=value`, positionals, and `--` ending options. Unknown options are
 * errors naming the option.
 */
export interface OptionSpec {
  /** `boolean` flags take no value; `string` options take one; `multi` repeat. */
  type: 'boolean' | 'string' | 'multi'
  short?: string
}

export interface ParsedArgs {
  options: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  /** Everything after `--`. */
  rest: string[]
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const options: ParsedArgs['options'] = {}
  const positionals: string[] = []
  const byShort = new Map(
    Object.entries(spec).flatMap(([k, s]) => (s.short ? [[s.short, k] as const] : [])),
  )
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') return { options, positionals, rest: argv.slice(i + 1) }
    let name: string | undefined
    let inline: string | undefined
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2)
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined
    } else if (arg.startsWith('-') && arg.length === 2) {
      name = byShort.get(arg.slice(1))
      if (!name) throw new UsageError(`unknown option ${arg}`)
    } else {
      positionals.push(arg)
      continue
    }
    const s = spec[name]
    if (!s) throw new UsageError(`unknown option --${name}`)
    if (s.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`)
      options[name] = true
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new UsageError(`--${name} needs a value`)
    if (s.type === 'multi')
      options[name] = [...((options[name] as string[] | undefined) ?? []), value]
    else options[name] = value
  }
  return { options, positionals, rest: [] }
}
