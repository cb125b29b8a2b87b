import type { ReactNode } from 'react'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { Dialog } from './Dialog'
import { ErrorNotice } from './ErrorNotice'

interface Props {
  title: string
  children: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
  pending?: boolean
  error?: RpcErrorShape | null
  danger?: boolean
}

/** "Are you sure?" with the consequence spelled out; Cancel has the focus. */
export function ConfirmDialog(props: Props) {
  const { title, children, confirmLabel, onConfirm, onCancel, pending, error, danger } = props
  return (
    <Dialog
      title={title}
      onClose={onCancel}
      size="small"
      footer={
        <>
          <button type="button" className="btn" onClick={onCancel} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className={`btn ${danger ? 'btn-danger' : 'btn-primary'}`}
            onClick={onConfirm}
            disabled={pending}
          >
            {pending ? `${confirmLabel}…` : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      {error && <ErrorNotice error={error} title={`${confirmLabel} failed`} compact />}
    </Dialog>
  )
}
