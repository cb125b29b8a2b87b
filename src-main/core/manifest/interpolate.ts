/**
 * `${NAME}` and `${NAME:-default}` references to the host environment in
 * manifest values; `$$` is a literal `$`. A `$` followed by anything else is
 * kept as is, so ordinary text needs no escaping.
 */

const REF = /\$\$|\$\{([^}]*)\}|\$\{/g
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Why `text` is not a valid template, or null when it is. */
export function checkTemplate(text: string): string | null {
  if (text.includes('\0')) return 'must not contain NUL'
  for (const m of text.matchAll(REF)) {
    if (m[0] === '$$') continue
    if (m[1] === undefined) return 'unterminated ${…}'
    const name = m[1].split(':-')[0] ?? ''
    if (!NAME.test(name)) return `\${${m[1]}}: a reference is \${NAME} or \${NAME:-default}`
  }
  return null
}

export interface Interpolated {
  value: string
  /** Names referenced that were unset (and had no default). */
  missing: string[]
  /** Names referenced at all (a value built from a secret variable is a secret). */
  refs: string[]
}

export function interpolate(
  text: string,
  vars: Readonly<Record<string, string | undefined>>,
): Interpolated {
  const missing: string[] = []
  const refs: string[] = []
  const value = text.replace(REF, (whole, inner: string | undefined) => {
    if (whole === '$$') return '$'
    if (inner === undefined) return whole
    const cut = inner.indexOf(':-')
    const name = cut >= 0 ? inner.slice(0, cut) : inner
    refs.push(name)
    const v = vars[name]
    if (v !== undefined && v !== '') return v
    if (cut >= 0) return inner.slice(cut + 2)
    missing.push(name)
    return ''
  })
  return { value, missing, refs }
}
