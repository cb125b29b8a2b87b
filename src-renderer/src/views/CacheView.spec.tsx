// @vitest-environment happy-dom
import { screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import type { CacheEntry } from '../../../src-shared/contract'
import { App } from '../App'
import { baseBackend, mount, unmountAll } from '../test-support/render-app'

afterEach(unmountAll)

const entry = (key: string, digest: string | null, inUse = false): CacheEntry => ({
  key,
  imageRef: `docker.io/library/${key}:3.20`,
  digest,
  path: `/cache/${key}`,
  sizeBytes: 977,
  createdAt: '2026-01-01T10:00:00Z',
  lastUsedAt: '2026-01-01T10:00:00Z',
  inUse,
})

describe('pack cache in a narrow window', () => {
  it('marks the digest column as the one to leave out, and keeps the digest in the image’s tooltip', async () => {
    const fake = baseBackend().method('cache.list', () => ({
      dir: '/home/me/.cache/claude-bottle/smolmachines',
      entries: [entry('alpine', 'sha256:0123456789abcdef0123'), entry('node', null, true)],
    }))
    mount(<App />, fake, '#/cache')
    const table = await screen.findByRole('table')
    const rows = [...table.querySelectorAll('tr')]
    const cellsOf = (row: Element): HTMLElement[] => [
      ...row.querySelectorAll<HTMLElement>('th, td'),
    ]
    // The narrow-width rule (styles.css, .cache-table .cache-digest) hides exactly this column.
    const digestCol = cellsOf(rows[0]!).findIndex((c) => c.textContent === 'Digest')
    expect(digestCol).toBe(1)
    for (const row of rows) {
      const cells = cellsOf(row)
      expect(cells.filter((c) => c.classList.contains('cache-digest'))).toEqual([cells[digestCol]])
    }
    const [alpine, node] = rows.slice(1)
    expect(cellsOf(alpine!)[0]!.title).toBe('/cache/alpine\nsha256:0123456789abcdef0123')
    expect(cellsOf(node!)[0]!.title).toBe('/cache/node')
    expect(cellsOf(alpine!)[0]!.classList.contains('cache-image')).toBe(true)
    expect(
      within(alpine as HTMLElement).getByRole('button', { name: /^Prune docker.io/ }),
    ).toBeTruthy()
    expect(screen.getByText('/home/me/.cache/claude-bottle/smolmachines').className).toContain(
      'cache-dir',
    )
  })
})
