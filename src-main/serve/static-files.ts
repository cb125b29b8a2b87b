import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
}

/** Resolves a URL path to a file under root, or null (traversal, missing, not a file). */
export async function resolveStatic(
  root: string,
  urlPath: string,
): Promise<{ file: string; type: string } | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const rel = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const base = resolve(root)
  const file = resolve(join(base, normalize(rel)))
  if (file !== base && !file.startsWith(base + sep)) return null
  try {
    const s = await stat(file)
    if (!s.isFile()) return null
  } catch {
    return null
  }
  return { file, type: TYPES[extname(file)] ?? 'application/octet-stream' }
}

export async function readStatic(file: string): Promise<Buffer> {
  return readFile(file)
}
