import { useEffect, useState } from 'react'
import type { CacheEntry } from '../../../src-shared/contract'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { ErrorNotice } from '../components/ErrorNotice'
import { Empty, Loading } from '../components/States'
import { formatAgo, formatBytes } from '../lib/format'
import { useAction } from '../lib/use-action'
import { useNow } from '../stores/clock-store'
import { loadCache, pruneCache, useCache, type PruneResult } from '../stores/cache-store'

/** `all`: every entry not in use; else one entry's key. */
type Target = { all: true } | { all: false; entry: CacheEntry }

/** The pack cache: packed images smolvm reuses; prune what no bottle uses. */
export function CacheView() {
  const { status, data, error } = useCache()
  const now = useNow(false)
  const [target, setTarget] = useState<Target | null>(null)
  const [result, setResult] = useState<PruneResult | null>(null)
  const [prune, pruneStatus, resetPrune] = useAction(pruneCache)

  useEffect(() => {
    void loadCache()
  }, [])

  const entries = data?.entries ?? []
  const unused = entries.filter((e) => !e.inUse)
  const confirm = async (): Promise<void> => {
    if (!target) return
    const r = await prune(target.all ? undefined : target.entry.key)
    if (r) {
      setResult(r)
      setTarget(null)
    }
  }

  return (
    <div className="page">
      <header className="page-header">
        <h2>Pack cache</h2>
        <button
          type="button"
          className="btn"
          disabled={unused.length === 0}
          onClick={() => {
            resetPrune()
            setTarget({ all: true })
          }}
        >
          Prune unused
        </button>
      </header>
      {data && <p className="muted small mono cache-dir">{data.dir}</p>}
      {error && (
        <ErrorNotice
          error={error}
          title="Could not list the cache"
          onRetry={() => void loadCache()}
        />
      )}
      {result && (
        <p className="notice notice-ok" aria-live="polite">
          Removed {result.removed.length} entr{result.removed.length === 1 ? 'y' : 'ies'}, freed{' '}
          {formatBytes(result.freedBytes)}.
        </p>
      )}
      {!data && status === 'loading' && <Loading label="Reading the pack cache…" />}
      {data && entries.length === 0 && (
        <Empty title="The cache is empty">
          <p>Images are packed here the first time a bottle uses them.</p>
        </Empty>
      )}
      {entries.length > 0 && (
        <div className="table-wrap">
          <table className="table cache-table">
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col" className="cache-digest">
                  Digest
                </th>
                <th scope="col">Size</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.key} data-key={e.key}>
                  <td className="mono cache-image" title={imageTitle(e)}>
                    {e.imageRef}
                  </td>
                  <td className="mono cache-digest" title={e.digest ?? undefined}>
                    {e.digest ? shortDigest(e.digest) : '—'}
                  </td>
                  <td className="cache-figure">{formatBytes(e.sizeBytes)}</td>
                  <td className="cache-figure">{formatAgo(e.lastUsedAt, now)}</td>
                  <td className="cell-actions">
                    {e.inUse ? (
                      <span
                        className="tag"
                        title="A bottle that exists uses it; remove the bottle first"
                      >
                        in use by a bottle
                      </span>
                    ) : (
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Prune ${e.imageRef}`}
                        onClick={() => {
                          resetPrune()
                          setTarget({ all: false, entry: e })
                        }}
                      >
                        Prune
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {target && (
        <ConfirmDialog
          title={target.all ? 'Prune every unused entry?' : 'Prune this entry?'}
          confirmLabel="Prune"
          danger
          pending={pruneStatus.pending}
          error={pruneStatus.error}
          onConfirm={() => void confirm()}
          onCancel={() => setTarget(null)}
        >
          {target.all ? (
            <p>
              {unused.length} entr{unused.length === 1 ? 'y' : 'ies'} (
              {formatBytes(unused.reduce((n, e) => n + e.sizeBytes, 0))}) will be deleted. Entries
              in use by a bottle stay. The next launch of those images packs them again.
            </p>
          ) : (
            <p>
              <span className="mono">{target.entry.imageRef}</span> (
              {formatBytes(target.entry.sizeBytes)}) will be deleted; the next launch that needs it
              packs it again.
            </p>
          )}
        </ConfirmDialog>
      )}
    </div>
  )
}

/** The image's tooltip: where it is, and its digest (the column that narrow windows leave out). */
function imageTitle(e: CacheEntry): string {
  return e.digest ? `${e.path}\n${e.digest}` : e.path
}

function shortDigest(d: string): string {
  const [algo, hex] = d.includes(':') ? d.split(':', 2) : ['', d]
  return `${algo ? `${algo}:` : ''}${(hex ?? '').slice(0, 12)}`
}
