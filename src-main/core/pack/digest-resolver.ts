import { createHash } from 'node:crypto'
import { isLocalRegistry, parseImageRef } from './image-ref'

/** The manifest media types a registry may answer with for a tag. */
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

export type DigestAnswer = { digest: string; reason: null } | { digest: null; reason: string }

export interface DigestResolverOptions {
  timeoutMs?: number
  fetch?: typeof fetch
}

/**
 * What a tag points at now, from the registry's distribution API: a HEAD of
 * the manifest (anonymous bearer token when the registry asks for one), with
 * a short timeout. Never throws: when the registry cannot be asked, the
 * answer says why and the caller keys the pack by the reference alone.
 */
export function createDigestResolver(options: DigestResolverOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 4000
  const doFetch = options.fetch ?? fetch

  return async function resolveDigest(
    imageRef: string,
    signal?: AbortSignal,
  ): Promise<DigestAnswer> {
    const ref = parseImageRef(imageRef)
    if (!ref) return { digest: null, reason: `not an image reference: ${imageRef}` }
    if (ref.digest) return { digest: ref.digest, reason: null }
    const scheme = isLocalRegistry(ref.domain) ? 'http' : 'https'
    const url = `${scheme}://${ref.apiHost}/v2/${ref.repository}/manifests/${encodeURIComponent(ref.tag)}`
    const deadline = AbortSignal.timeout(timeoutMs)
    const sig = signal ? AbortSignal.any([signal, deadline]) : deadline
    try {
      const headers: Record<string, string> = { Accept: ACCEPT }
      let res = await doFetch(url, { method: 'HEAD', headers, signal: sig })
      if (res.status === 401) {
        const token = await anonymousToken(
          doFetch,
          res.headers.get('www-authenticate'),
          scheme === 'http',
          sig,
        )
        if (!token)
          return { digest: null, reason: `${ref.domain} wants credentials for ${ref.repository}` }
        headers.Authorization = `Bearer ${token}`
        res = await doFetch(url, { method: 'HEAD', headers, signal: sig })
      }
      if (res.status === 404)
        return { digest: null, reason: `${ref.domain} has no ${ref.repository}:${ref.tag}` }
      if (!res.ok) return { digest: null, reason: `${ref.domain} answered HTTP ${res.status}` }
      const header = res.headers.get('docker-content-digest')
      if (header && /^sha256:[a-f0-9]{64}$/.test(header)) return { digest: header, reason: null }
      // Some registries leave the header off HEAD answers: hash the manifest itself.
      const body = await doFetch(url, { headers, signal: sig })
      if (!body.ok) return { digest: null, reason: `${ref.domain} answered HTTP ${body.status}` }
      return {
        digest: `sha256:${createHash('sha256')
          .update(Buffer.from(await body.arrayBuffer()))
          .digest('hex')}`,
        reason: null,
      }
    } catch (e) {
      if (signal?.aborted) throw e
      const why = deadline.aborted ? `no answer within ${timeoutMs} ms` : causeText(e)
      return { digest: null, reason: `registry ${ref.domain} unreachable (${why})` }
    }
  }
}

export type ResolveDigest = ReturnType<typeof createDigestResolver>

/** `Bearer realm="…",service="…",scope="…"` → an anonymous token from the realm. */
async function anonymousToken(
  doFetch: typeof fetch,
  challenge: string | null,
  allowHttp: boolean,
  signal: AbortSignal,
): Promise<string | null> {
  if (!challenge || !/^bearer\s/i.test(challenge)) return null
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase(), m[2]]),
  )
  const realm = params.realm
  if (!realm) return null
  let url: URL
  try {
    url = new URL(realm)
  } catch {
    return null
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return null
  if (params.service) url.searchParams.set('service', params.service)
  if (params.scope) url.searchParams.set('scope', params.scope)
  const res = await doFetch(url, { signal })
  if (!res.ok) return null
  const json = (await res.json()) as { token?: unknown; access_token?: unknown }
  const token = json.token ?? json.access_token
  return typeof token === 'string' && token ? token : null
}

function causeText(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))
}
