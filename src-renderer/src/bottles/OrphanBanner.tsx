import { useState } from 'react'
import { ErrorNotice } from '../components/ErrorNotice'
import { call } from '../lib/backend'
import { useAction } from '../lib/use-action'
import { useBottles } from '../stores/bottles-store'

type CleanResult = Awaited<ReturnType<typeof cleanOrphans>>

function cleanOrphans(ids: string[]) {
  return call('orphans.clean', { ids }, { timeoutMs: 120_000 })
}

/**
 * Leftovers reconcile found (VMs, containers, networks or metadata without a
 * bottle): what they are, and one button to clean them up.
 */
export function OrphanBanner() {
  const orphans = useBottles((s) => s.orphans)
  const [open, setOpen] = useState(false)
  const [clean, status] = useAction(cleanOrphans)
  const [result, setResult] = useState<CleanResult | null>(null)

  const failed = result?.failed ?? []
  if (orphans.length === 0 && failed.length === 0) return null

  const onClean = async (): Promise<void> => {
    setResult(null)
    const r = await clean(orphans.map((o) => o.id))
    if (r) {
      setResult(r)
      // The backend's next orphans event confirms; drop what it reports cleaned now.
      useBottles.setState((s) => ({ orphans: s.orphans.filter((o) => !r.cleaned.includes(o.id)) }))
    }
  }

  return (
    <section className="banner banner-warn" aria-label="Leftover resources">
      <div className="banner-row">
        <span>
          <strong>
            {orphans.length} leftover resource{orphans.length === 1 ? '' : 's'}
          </strong>{' '}
          from bottles that no longer exist.
        </span>
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide' : 'Show'}
        </button>
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={status.pending || orphans.length === 0}
          onClick={() => void onClean()}
        >
          {status.pending ? 'Cleaning up…' : 'Clean up'}
        </button>
      </div>
      {open && (
        <ul className="orphan-list">
          {orphans.map((o) => (
            <li key={o.id}>
              <span className="tag">{o.kind}</span> <span className="mono">{o.name}</span>{' '}
              <span className="muted small">{o.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {failed.length > 0 && (
        <ul className="orphan-failed" role="alert">
          {failed.map((f) => (
            <li key={f.id}>
              Could not clean <span className="mono">{f.id}</span>: {f.message}
            </li>
          ))}
        </ul>
      )}
      {status.error && <ErrorNotice error={status.error} title="Clean-up failed" compact />}
    </section>
  )
}
