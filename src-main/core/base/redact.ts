/** Replaces every occurrence of each secret value (≥ 4 chars) with a mask. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text
  for (const s of secrets) {
    if (s.length < 4) continue
    out = out.split(s).join('••••')
  }
  return out
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
