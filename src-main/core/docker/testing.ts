import { createHash, randomBytes } from 'node:crypto'
import { LABELS, type Docker } from './types'

/**
 * Labels for docker resources a test creates: a home hash unique to this
 * test file's run, so parallel runs never touch each other's resources.
 */
export function testLabels(scope: string): Record<string, string> {
  const home = createHash('sha256')
    .update(`${scope}:${process.pid}:${randomBytes(8).toString('hex')}`)
    .digest('hex')
    .slice(0, 12)
  return { [LABELS.managed]: '1', [LABELS.home]: home }
}

/** Removes every container, then every network, carrying `labels` (afterAll / afterEach, even after a failure). */
export async function removeLabelled(
  docker: Docker,
  labels: Record<string, string>,
): Promise<void> {
  for (const c of await docker.containerList(labels)) await docker.containerRemove(c.id)
  for (const n of await docker.networkList(labels)) await docker.networkRemove(n.id)
}
