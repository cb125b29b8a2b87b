/** smolvm's validate_vm_name (src/data/mod.rs), same order of checks and messages. */
export function validateVmName(name: string, label = 'machine name'): string | null {
  if (name.length === 0) return `${label} cannot be empty`
  const bytes = Buffer.byteLength(name)
  if (bytes > 128) return `${label} too long: ${bytes} characters (max 128)`
  const first = name[0] as string
  if (!/[A-Za-z0-9]/.test(first))
    return `${label} must start with a letter or digit (got: ${JSON.stringify(name)})`
  if (name.endsWith('-')) return `${label} cannot end with a hyphen (got: ${JSON.stringify(name)})`
  let prevHyphen = false
  for (const c of name) {
    if (c === '-') {
      if (prevHyphen) return `${label} cannot contain consecutive hyphens`
      prevHyphen = true
    } else {
      prevHyphen = false
    }
    if (!/[A-Za-z0-9_-]/.test(c)) {
      if (c === '/' || c === '\\') return `${label} cannot contain path separators`
      return `${label} contains invalid character: '${c}'`
    }
  }
  return null
}
