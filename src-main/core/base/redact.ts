/** Replaces every occurrence of each secret value (≥ 4 chars) with a mask. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text
  for (const s of secrets) {
    if (s.length < 4) continue
    out = out.split(s).join('••••')
  }
  return out
}

/**
 * `value` with every string in it (object values and array items, however
 * deep) redacted; the same object when there is nothing to mask.
 */
export function redactDeep<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => s.length >= 4)
  if (list.length === 0) return value
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, list)
    if (Array.isArray(v)) return v.map(walk)
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    return v
  }
  return walk(value) as T
}

/** Env keys whose values are secrets: never in argv, logs or the UI. */
const SECRET_KEY =
  /(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|AUTH)($|_)/i

export function isSecretEnvKey(key: string): boolean {
  return SECRET_KEY.test(key) || key === 'ANTHROPIC_API_KEY'
}

export function maskValue(value: string): string {
  return value.length === 0 ? '' : '••••'
}
