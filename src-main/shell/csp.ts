/**
 * The renderer's Content Security Policy. xterm.js injects <style> elements,
 * hence style-src 'unsafe-inline' (xterm.js #4445). `frame-ancestors` only
 * works as a header, so it is added where we control headers (serve, protocol).
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ')

export const HEADER_CSP = `${RENDERER_CSP}; frame-ancestors 'none'`
