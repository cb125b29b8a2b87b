/**
 * Short forms of names, paths and durations for the tray menu, tooltips and
 * notifications, where there is room for about forty characters.
 */

const ELLIPSIS = '…'

/** Counts code points, so an emoji or CJK name is never cut in half. */
function chars(text: string): string[] {
  return Array.from(text)
}

/** `text` cut at the end to at most `max` characters. */
export function truncateEnd(text: string, max: number): string {
  const c = chars(text)
  return c.length <= max ? text : c.slice(0, Math.max(0, max - 1)).join('') + ELLIPSIS
}

/** `text` with its middle replaced by an ellipsis, keeping both ends. */
export function middleEllipsis(text: string, max: number): string {
  const c = chars(text)
  if (c.length <= max) return text
  if (max <= 1) return ELLIPSIS
  const tail = Math.floor((max - 1) / 2)
  const head = max - 1 - tail
  return c.slice(0, head).join('') + ELLIPSIS + c.slice(c.length - tail).join('')
}

/** `/home/me/x` → `~/x` when `home` is `/home/me`. */
export function tildify(path: string, home: string): string {
  const h = home.replace(/\/+$/, '')
  if (!h) return path
  if (path === h) return '~'
  return path.startsWith(h + '/') ? '~' + path.slice(h.length) : path
}

/**
 * A project path that fits in `max` characters: home as `~`, then as many
 * trailing folders as fit after the first segment (`~/work/…/app/web`), the
 * last folder itself middle-ellipsized when even it is too long.
 */
export function shortenPath(path: string, home: string, max = 40): string {
  const p = tildify(path, home)
  if (chars(p).length <= max) return p
  const parts = p.split('/')
  const head = parts[0] ?? ''
  let tail = parts[parts.length - 1] ?? ''
  const fits = (t: string): boolean => chars(`${head}/${ELLIPSIS}/${t}`).length <= max
  if (parts.length < 3 || !fits(tail)) {
    return middleEllipsis(p, max)
  }
  for (let i = parts.length - 2; i >= 1; i--) {
    const candidate = `${parts[i]}/${tail}`
    if (!fits(candidate)) break
    tail = candidate
  }
  return `${head}/${ELLIPSIS}/${tail}`
}

/** `45 s`, `12 min`, `1 h 05 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s} s`
  const min = Math.floor(s / 60)
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, '0')} min`
  return `${Math.floor(h / 24)} d ${h % 24} h`
}

/** Milliseconds between an ISO time and `now`, or null if the time does not parse. */
export function elapsedSince(iso: string | null, now: number): number | null {
  if (!iso) return null
  const t = Date.parse(iso)
  return Number.isNaN(t) ? null : Math.max(0, now - t)
}
