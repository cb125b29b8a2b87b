import { createHash, randomBytes } from 'node:crypto'
import { basename } from 'node:path'
import { LABELS } from '../docker/types'

/** What every resource of one bottle is called (names kept from the original system). */
export interface ResourceNames {
  machine: string
  network: string
  bundle: string
  /** Linux bridge interface: at most 15 characters, from the slug's hash. */
  bridge: string
}

export function resourceNames(slug: string): ResourceNames {
  return {
    machine: `claude-bottle-${slug}`,
    network: `claude-bottle-${slug}`,
    bundle: `claude-bottle-${slug}-bundle`,
    bridge: `bb${createHash('sha256').update(slug).digest('hex').slice(0, 13)}`,
  }
}

export type ResourceRole = 'network' | 'bundle'

/** Labels on a bottle's docker resources; `home` keeps installs (and test runs) apart. */
export function resourceLabels(
  slug: string,
  homeId: string,
  role: ResourceRole,
): Record<string, string> {
  return { [LABELS.managed]: '1', [LABELS.slug]: slug, [LABELS.role]: role, [LABELS.home]: homeId }
}

/** Labels that select every resource of this home (one docker listing for all bottles). */
export function homeLabels(homeId: string): Record<string, string> {
  return { [LABELS.managed]: '1', [LABELS.home]: homeId }
}

/**
 * A new bottle's identity: agent, project folder and a random tail, in the
 * slug alphabet (lowercase letters, digits, single hyphens), e.g.
 * `claude-my-app-3fa9c1`.
 */
export function newSlug(agent: string, projectDir: string, taken: ReadonlySet<string>): string {
  const project = basename(projectDir)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20)
    .replace(/-+$/, '')
  for (;;) {
    const slug = [agent, project, randomBytes(3).toString('hex')].filter(Boolean).join('-')
    if (!taken.has(slug)) return slug
  }
}
