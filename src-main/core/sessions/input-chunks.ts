/**
 * Large input (a paste) goes to the pty in pieces, a few milliseconds apart,
 * as VS Code does (`chunkInput`, `WriteInterval`): a pty's input queue is
 * small (MAX_CANON is 1024 on macOS) and a single huge write can be truncated
 * or starve the event loop.
 */
export const InputConstants = {
  MaxChunkChars: 1024,
  /** Pause between two chunks of one input. */
  WriteIntervalMs: 5,
} as const

/**
 * Splits input into chunks of at most `max` characters. A chunk boundary is
 * placed before an ESC when there is one (an escape sequence arrives whole),
 * and never between the two halves of a surrogate pair.
 */
export function chunkInput(data: string, max: number = InputConstants.MaxChunkChars): string[] {
  if (data.length <= max) return data.length ? [data] : []
  const chunks: string[] = []
  let start = 0
  while (data.length - start > max) {
    let end = start + max
    const esc = data.lastIndexOf('\x1b', end - 1)
    if (esc > start) end = esc
    else if (isHighSurrogate(data.charCodeAt(end - 1))) end--
    chunks.push(data.slice(start, end))
    start = end
  }
  chunks.push(data.slice(start))
  return chunks
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff
}
