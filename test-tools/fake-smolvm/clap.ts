/**
 * A small clap-4-alike: the argument rules smolvm's CLI gets from clap
 * (derive API), with clap's error wording, so the fake rejects exactly what
 * the real binary rejects with exit 2.
 */

export interface Flag {
  id: string
  long: string
  short?: string
  /** The value's name (`<N>`); absent for a switch. */
  value?: string
  multiple?: boolean
  required?: boolean
  /** clap value parser: the parsed value, or throws the reason as a string. */
  parse?: (raw: string) => string
  /** ids this flag cannot be combined with. */
  conflicts?: string[]
}

export interface Positional {
  id: string
  value: string
  required?: boolean
  /** `trailing_var_arg`: from the first value on, everything (flags too) belongs to it. */
  trailing?: boolean
  /** `last = true`: only what follows `--`. */
  last?: boolean
}

export interface Grammar {
  /** e.g. `machine create` */
  path: string
  usage: string
  flags: Flag[]
  positionals: Positional[]
}

export interface Parsed {
  flags: Map<string, string[]>
  positionals: Map<string, string[]>
}

/** clap's exit-2 error: printed as `error: …`, a Usage line and the help hint. */
export class ClapError extends Error {
  constructor(
    message: string,
    readonly usage: string,
    readonly tip?: string,
  ) {
    super(message)
  }

  render(): string {
    const tip = this.tip ? `  tip: ${this.tip}\n\n` : ''
    return `error: ${this.message}\n\n${tip}Usage: ${this.usage}\n\nFor more information, try '--help'.\n`
  }
}

/** `-h`/`--help` was given: print help, exit 0. */
export class HelpRequested extends Error {}

export function display(f: Flag): string {
  return f.value ? `--${f.long} <${f.value}>` : `--${f.long}`
}

function looksLikeFlag(token: string | undefined): boolean {
  return token !== undefined && token.startsWith('-') && token.length > 1 && !/^-\d/.test(token)
}

export function parse(grammar: Grammar, tokens: readonly string[]): Parsed {
  const flags = new Map<string, string[]>()
  const before: string[] = []
  const after: string[] = []
  const usage = grammar.usage
  const singles = grammar.positionals.filter((p) => !p.trailing && !p.last).length
  const trailing = grammar.positionals.find((p) => p.trailing)
  let dashdash = false
  let inTrailing = false

  const set = (f: Flag, raw: string | undefined): void => {
    const seen = flags.get(f.id)
    if (seen && !f.multiple)
      throw new ClapError(`the argument '${display(f)}' cannot be used multiple times`, usage)
    let value = raw ?? 'true'
    if (raw !== undefined && f.parse) {
      try {
        value = f.parse(raw)
      } catch (reason) {
        throw new ClapError(`invalid value '${raw}' for '${display(f)}': ${String(reason)}`, usage)
      }
    }
    flags.set(f.id, [...(seen ?? []), value])
  }
  const missingValue = (f: Flag): ClapError =>
    new ClapError(`a value is required for '${display(f)}' but none was supplied`, usage)
  const unexpected = (arg: string): ClapError =>
    new ClapError(
      `unexpected argument '${arg}' found`,
      usage,
      `to pass '${arg}' as a value, use '-- ${arg}'`,
    )

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string
    if (dashdash) {
      after.push(t)
      continue
    }
    if (inTrailing) {
      before.push(t)
      continue
    }
    if (t === '--') {
      dashdash = true
      continue
    }
    if (t === '--help' || t === '-h') throw new HelpRequested()
    if (t.startsWith('--')) {
      const eq = t.indexOf('=')
      const name = eq >= 0 ? t.slice(2, eq) : t.slice(2)
      const f = grammar.flags.find((x) => x.long === name)
      if (!f) throw unexpected(eq >= 0 ? t.slice(0, eq) : t)
      if (!f.value) {
        if (eq >= 0)
          throw new ClapError(
            `unexpected value '${t.slice(eq + 1)}' for '${display(f)}' found; no more were expected`,
            usage,
          )
        set(f, undefined)
      } else if (eq >= 0) {
        set(f, t.slice(eq + 1))
      } else {
        const next = tokens[i + 1]
        if (next === undefined || looksLikeFlag(next)) throw missingValue(f)
        set(f, next)
        i++
      }
      continue
    }
    if (looksLikeFlag(t)) {
      for (let j = 1; j < t.length; j++) {
        const c = t[j] as string
        const f = grammar.flags.find((x) => x.short === c)
        if (!f) throw unexpected(`-${c}`)
        if (!f.value) {
          set(f, undefined)
          continue
        }
        let value = t.slice(j + 1)
        if (value.startsWith('=')) value = value.slice(1)
        if (!value) {
          const next = tokens[i + 1]
          if (next === undefined || looksLikeFlag(next)) throw missingValue(f)
          value = next
          i++
        }
        set(f, value)
        break
      }
      continue
    }
    before.push(t)
    if (trailing && before.length > singles) inTrailing = true
  }

  const positionals = new Map<string, string[]>()
  const assign = (p: Positional, values: string[]): void => {
    if (values.length) positionals.set(p.id, [...(positionals.get(p.id) ?? []), ...values])
  }
  const regular = grammar.positionals.filter((p) => !p.last)
  const queue = [...before]
  const last = grammar.positionals.find((p) => p.last)
  if (last) assign(last, after)
  else queue.push(...after)
  for (const p of regular) {
    if (p.trailing) assign(p, queue.splice(0))
    else if (queue.length) assign(p, [queue.shift() as string])
  }
  if (queue.length) throw unexpected(queue[0] as string)

  for (const f of grammar.flags) {
    if (!flags.has(f.id)) continue
    for (const other of f.conflicts ?? []) {
      const o = grammar.flags.find((x) => x.id === other)
      if (o && flags.has(o.id))
        throw new ClapError(
          `the argument '${display(f)}' cannot be used with '${display(o)}'`,
          usage,
        )
    }
  }
  const missing = [
    ...grammar.flags.filter((f) => f.required && !flags.has(f.id)).map(display),
    ...grammar.positionals
      .filter((p) => p.required && !positionals.has(p.id))
      .map((p) => `<${p.value}>${p.trailing || p.last ? '...' : ''}`),
  ]
  if (missing.length) {
    throw new ClapError(
      `the following required arguments were not provided:\n  ${missing.join('\n  ')}`,
      usage,
    )
  }
  return { flags, positionals }
}

/** One value of a flag (or undefined). */
export function one(parsed: Parsed, id: string): string | undefined {
  return parsed.flags.get(id)?.[0]
}

export function all(parsed: Parsed, id: string): string[] {
  return parsed.flags.get(id) ?? []
}

export function has(parsed: Parsed, id: string): boolean {
  return parsed.flags.has(id)
}
