import { useState } from 'react'
import type { Bottle } from '../../../src-shared/contract'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { ErrorNotice } from '../components/ErrorNotice'
import { HOME } from '../lib/routes'
import {
  clearBottleAction,
  runBottleAction,
  useBottles,
  type BottleAction,
} from '../stores/bottles-store'
import { navigate } from '../stores/route-store'
import { CopyFileDialog } from './CopyFileDialog'

const ACTION_TITLES: Record<BottleAction, string> = {
  stop: 'Could not stop the bottle',
  remove: 'Could not remove the bottle',
  cancel: 'Could not cancel the launch',
  retry: 'Could not launch it again',
}

/** What can be done to a bottle in its state: cancel, stop, retry, copy a file, remove. */
export function BottleActions({ bottle }: { bottle: Bottle }) {
  const action = useBottles((s) => s.actions[bottle.id])
  const [confirmRemove, setConfirmRemove] = useState(false)
  const [copying, setCopying] = useState(false)
  const busy = action?.pending ?? false
  const { id, state } = bottle

  const run = async (a: BottleAction): Promise<void> => {
    const result = await runBottleAction(id, a)
    if (a === 'remove' && result) {
      setConfirmRemove(false)
      navigate(HOME, { replace: true })
    }
    if (a === 'retry' && result && result !== id) {
      navigate({ name: 'bottle', id: result, tab: 'overview' }, { replace: true })
    }
  }

  return (
    <div className="actions">
      <div className="actions-row">
        {state === 'launching' && (
          <button type="button" className="btn" disabled={busy} onClick={() => void run('cancel')}>
            {busy && action?.action === 'cancel' ? 'Cancelling…' : 'Cancel launch'}
          </button>
        )}
        {state === 'running' && (
          <>
            <button type="button" className="btn" disabled={busy} onClick={() => void run('stop')}>
              {busy && action?.action === 'stop' ? 'Stopping…' : 'Stop'}
            </button>
            <button type="button" className="btn" onClick={() => setCopying(true)}>
              Copy file…
            </button>
          </>
        )}
        {(state === 'failed' || state === 'stopped') && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={busy}
            title="Launch it again with the same agent and folder"
            onClick={() => void run('retry')}
          >
            {busy && action?.action === 'retry'
              ? 'Starting…'
              : state === 'failed'
                ? 'Retry'
                : 'Start again'}
          </button>
        )}
        {state !== 'stopping' && (
          <button
            type="button"
            className="btn btn-danger-quiet"
            disabled={busy}
            onClick={() => {
              clearBottleAction(id)
              setConfirmRemove(true)
            }}
          >
            Remove
          </button>
        )}
      </div>
      {action?.error && !confirmRemove && (
        <ErrorNotice
          error={action.error}
          title={ACTION_TITLES[action.action]}
          onRetry={() => clearBottleAction(id)}
          retryLabel="Dismiss"
          compact
        />
      )}
      {confirmRemove && (
        <ConfirmDialog
          title="Remove this bottle?"
          confirmLabel="Remove"
          danger
          pending={busy}
          error={action?.action === 'remove' ? action.error : null}
          onConfirm={() => void run('remove')}
          onCancel={() => setConfirmRemove(false)}
        >
          <p>
            {state === 'running' || state === 'launching'
              ? 'The bottle is stopped first: its sessions end and '
              : ''}
            its VM, bundle container and network are deleted, and it leaves the list.
            {bottle.copyWorkdir
              ? ' Its copy of the project is lost; copy out what you need first.'
              : ' Your project folder is not touched.'}
          </p>
          <p className="muted small mono">{bottle.projectDir}</p>
        </ConfirmDialog>
      )}
      {copying && <CopyFileDialog bottle={bottle} onClose={() => setCopying(false)} />}
    </div>
  )
}
