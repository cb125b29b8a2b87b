/**
 * The session tab chosen per bottle, kept for this browser tab (sessionStorage)
 * so a reload comes back to it. Storage may be off (privacy modes): then the
 * choice lasts as long as the page.
 */
const KEY = 'bot-bottle.session.'

export function rememberedSession(bottleId: string): string | null {
  try {
    return window.sessionStorage.getItem(KEY + bottleId)
  } catch {
    return null
  }
}

export function rememberSession(bottleId: string, sessionId: string): void {
  try {
    window.sessionStorage.setItem(KEY + bottleId, sessionId)
  } catch {
    // not kept: the default tab comes back after a reload
  }
}
