/** An OCI image reference split the way registries and docker read it. */
export interface ImageRef {
  /** Registry host[:port] as written (docker.io for Docker Hub). */
  domain: string
  /** Where the distribution API lives (registry-1.docker.io for Docker Hub). */
  apiHost: string
  repository: string
  tag: string
  digest: string | null
  /** domain/repository:tag[@digest], the form cache keys use. */
  canonical: string
}

const DOCKER_HUB = 'docker.io'

/**
 * Parses `name[:tag][@sha256:…]` with docker's defaults: no registry means
 * Docker Hub, a one-part Docker Hub name lives under `library/`, no tag means
 * `latest`. Returns null for text that is not a reference.
 */
export function parseImageRef(ref: string): ImageRef | null {
  const m = /^([^@\s]+?)(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref.trim())
  if (!m?.[1]) return null
  let rest = m[1]
  const digest = m[2] ?? null
  let tag = 'latest'
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return null
  }
  const parts = rest.split('/')
  let domain = DOCKER_HUB
  const first = parts[0] ?? ''
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    domain = parts.shift() as string
  }
  if (!/^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+\])(?::\d{1,5})?$/i.test(domain))
    return null
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DOCKER_HUB
  if (domain === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  const repository = parts.join('/')
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      repository,
    )
  )
    return null
  return {
    domain,
    apiHost: domain === DOCKER_HUB ? 'registry-1.docker.io' : domain,
    repository,
    tag,
    digest,
    canonical: `${domain}/${repository}:${tag}${digest ? `@${digest}` : ''}`,
  }
}

/**
 * The reference that pulls exactly `digest` from the same repository:
 * `domain/repository@sha256:…`. The tag is left out: with a digest it is
 * only informational, and smolvm drops it anyway (normalize_image_ref).
 */
export function pinnedRef(ref: ImageRef, digest: string): string {
  return `${ref.domain}/${ref.repository}@${digest}`
}

/** Registries on this machine may speak plain http (a local test registry); nothing else may. */
export function isLocalRegistry(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}
