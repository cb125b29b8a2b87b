/** The smolvm release the fake plays, as `[major, minor, patch]`. */
export type Played = readonly [number, number, number]

export const DEFAULT_VERSION = '1.9.3'

export function parsePlayed(text: string): Played {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(text.trim())
  if (!m) throw new Error(`fake smolvm: not a version: ${JSON.stringify(text)} (want X.Y.Z)`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** `v >= min`, comparing component by component. */
export function since(v: Played, min: string): boolean {
  const m = parsePlayed(min)
  for (let i = 0; i < 3; i++) {
    if ((v[i] as number) !== (m[i] as number)) return (v[i] as number) > (m[i] as number)
  }
  return true
}

export function show(v: Played): string {
  return v.join('.')
}
