/**
 * Secret values this process holds (the guest env's API keys and tokens).
 * The LogHub masks every one of them in every line it writes.
 */
export class SecretRegistry {
  private readonly values = new Set<string>()

  add(values: Iterable<string>): void {
    for (const v of values) if (v.length >= 4) this.values.add(v)
  }

  all(): Iterable<string> {
    return this.values
  }
}
