import { useEffect } from 'react'
import type { PreflightCheck } from '../../../src-shared/contract'
import { ErrorNotice } from '../components/ErrorNotice'
import { Loading } from '../components/States'
import { checkedPaths, refreshDoctor, runDoctor, useDoctor } from '../stores/doctor-store'
import { useSettings } from '../stores/settings-store'

const ICONS: Record<PreflightCheck['status'], string> = { ok: '✓', warn: '!', fail: '✕' }

/**
 * Preflight: whether this machine can run bottles, and what to do when it
 * cannot. Checked again by itself when the smolvm or docker path changes.
 */
export function DoctorView() {
  const { status, data, error } = useDoctor()
  const paths = useSettings((s) => checkedPaths(s.settings))

  useEffect(() => refreshDoctor(), [paths])

  const problems = data?.checks.filter((c) => c.status !== 'ok').length ?? 0
  return (
    <div className="page">
      <header className="page-header">
        <h2>Doctor</h2>
        <button
          type="button"
          className="btn"
          onClick={() => void runDoctor()}
          disabled={status === 'loading'}
        >
          {status === 'loading' ? 'Checking…' : 'Run again'}
        </button>
      </header>
      {error && (
        <ErrorNotice
          error={error}
          title="The checks could not run"
          onRetry={() => void runDoctor()}
        />
      )}
      {!data && status === 'loading' && (
        <Loading label="Checking smolvm, docker, the platform and KVM…" />
      )}
      {data && (
        <>
          <p className={`summary ${data.ok ? 'summary-ok' : 'summary-bad'}`} aria-live="polite">
            {data.ok
              ? 'Everything needed to run bottles is in place.'
              : `${problems} problem${problems === 1 ? '' : 's'} to fix before bottles can run.`}
            {data.smolvmVersion && <span className="muted"> · smolvm {data.smolvmVersion}</span>}
          </p>
          <ul className="checks" aria-busy={status === 'loading'}>
            {data.checks.map((c) => (
              <li
                key={c.id}
                className={`check check-${c.status}`}
                data-check={c.id}
                data-status={c.status}
              >
                <span className="check-icon" aria-label={c.status}>
                  {ICONS[c.status]}
                </span>
                <div className="check-body">
                  <div className="check-label">{c.label}</div>
                  <div className="check-detail">{c.detail}</div>
                  {c.fix && c.status !== 'ok' && (
                    <div className="check-fix">
                      <strong>Fix: </strong>
                      {c.fix}
                    </div>
                  )}
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
