import { rm } from 'node:fs/promises'
import type { Backend } from '../src-main/core/backend'
import { removeLabelled } from '../src-main/core/docker/testing'
import { homeLabels } from '../src-main/core/plan/names'

/** After a bench on a backend of its own: its bottles, its labelled docker leftovers, its fake HOME. */
export async function disposeBenchBackend(backend: Backend, fakeHome: string): Promise<void> {
  await Promise.all(backend.bottles.list().map((b) => backend.bottles.remove(b.id).catch(() => {})))
  await removeLabelled(backend.tools.docker(), homeLabels(backend.homeId))
  backend.dispose()
  await rm(fakeHome, { recursive: true, force: true })
}
