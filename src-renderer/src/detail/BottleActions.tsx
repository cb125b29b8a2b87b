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
import { navigate, useRoute } from '../stores/route-store'
import { CopyFileDialog } from './CopyFileDialog'

const ACTION_TITLES: Record<BottleAction, string> = {
  remove: 'Could not remove the bottle',
  cancel: 'Could not cancel the launch',
  retry: 'Could not launch it again',
}

/**
 * What can be done to a bottle in its state: cancel, stop, retry, copy a file,
 * remove. Stop removes too (after a confirmation): the row shows `stopping`,
 * then leaves the list. Bottles that ended on their own stay until removed.
 */
export function BottleActions({ bottle }: { bottle: Bottle }) {
  const action = useBottles((s) => s.actions[bottle.id])
  // The confirmation shown, and the last one confirmed (which names a failure).
  const [confirm, setConfirm] = useState<Ending | null>(null)
  const [ending, setEnding] = useState<Ending>('remove')
  const [copying, setCopying] = useState(false)
  const busy = action?.pending ?? false
  const { id, state } = bottle

  const run = async (a: BottleAction): Promise<void> => {
    const result = await runBottleAction(id, a)
    // Back to the list, unless the user has gone elsewhere meanwhile.
    if (a === 'remove' && result && isShown(id)) navigate(HOME, { replace: true })
    if (a === 'retry' && result && result !== id) {
      navigate({ name: 'bottle', id: result, tab: 'overview' }, { replace: true })
    }
  }

  const ask = (e: Ending): void => {
    clearBottleAction(id)
    setConfirm(e)
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
            <button
              type="button"
              className="btn"
              disabled={busy}
              title="Stop the bottle and remove it from the list"
              onClick={() => ask('stop')}
            >
              {busy && action?.action === 'remove' ? 'Stopping…' : 'Stop…'}
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
        {state !== 'running' && state !== 'stopping' && (
          <button
            type="button"
            className="btn btn-danger-quiet"
            disabled={busy}
            onClick={() => ask('remove')}
          >
            {busy && action?.action === 'remove' ? 'Removing…' : 'Remove'}
          </button>
        )}
      </div>
      {action?.error && (
        <ErrorNotice
          error={action.error}
          title={
            action.action === 'remove' && ending === 'stop'
              ? 'Could not stop the bottle'
              : ACTION_TITLES[action.action]
          }
          onRetry={() => clearBottleAction(id)}
          retryLabel="Dismiss"
          compact
        />
      )}
      {confirm && (
        <ConfirmDialog
          title={confirm === 'stop' ? 'Stop and remove this bottle?' : 'Remove this bottle?'}
          confirmLabel={confirm === 'stop' ? 'Stop and remove' : 'Remove'}
          danger
          onConfirm={() => {
            // The dialog closes at once: the row and the header follow the teardown.
            setEnding(confirm)
            setConfirm(null)
            void run('remove')
          }}
          onCancel={() => setConfirm(null)}
        >
          <p>
            {state === 'running' || state === 'launching'
              ? 'The bottle is stopped first: its sessions end, its VM, bundle container and network are deleted, and it leaves the list.'
              : 'It leaves the list, with its timeline, kept logs and ended sessions; whatever is left of its VM, bundle container and network is deleted.'}
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

/** Which confirmation: Stop on a running bottle, or Remove on any other. */
type Ending = 'stop' | 'remove'

function isShown(id: string): boolean {
  const { route } = useRoute.getState()
  return route.name === 'bottle' && route.id === id
}
