/** FNV-1a (32 bit) over UTF-16 code units, resumable: fnv1a(a + b) === fnv1a(b, fnv1a(a)). */
export const FNV_OFFSET = 0x811c9dc5

export function fnv1a(data: string, hash: number = FNV_OFFSET): number {
  let h = hash
  for (let i = 0; i < data.length; i++) {
    h ^= data.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}
