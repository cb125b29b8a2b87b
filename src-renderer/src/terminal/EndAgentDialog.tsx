import type { SessionInfo } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import { ConfirmDialog } from '../components/ConfirmDialog'
import { useAction } from '../lib/use-action'

interface Props {
  client: RpcClient
  session: SessionInfo
  /** Closed: cancelled, or the agent was ended. */
  onDone: () => void
}

/**
 * Asks before ending a running agent: closing its tab kills it while the
 * bottle runs on, which a stray click or Delete should not do unasked.
 */
export function EndAgentDialog({ client, session, onDone }: Props) {
  const [close, status] = useAction((sessionId: string) =>
    client.call('sessions.close', { sessionId }),
  )
  return (
    <ConfirmDialog
      title="End the agent?"
      confirmLabel="End agent"
      danger
      pending={status.pending}
      error={status.error}
      onCancel={onDone}
      onConfirm={() => {
        void close(session.id).then((ok) => {
          if (ok) onDone()
        })
      }}
    >
      <p>
        “{session.title}” stops now. The bottle keeps running; <strong>New session</strong> starts
        it again.
      </p>
    </ConfirmDialog>
  )
}
