import type { FormEvent, ReactNode } from 'react'
import { Dialog } from './Dialog'

interface Props {
  title: string
  /** Unique on the page: ties the footer's submit button to the form. */
  formId: string
  onClose: () => void
  onSubmit: () => void
  submitLabel: string
  pendingLabel: string
  pending: boolean
  submitDisabled?: boolean
  cancelLabel?: string
  /** What Cancel does, when that needs saying (a tooltip). */
  cancelTitle?: string
  children: ReactNode
}

/** A dialog around one form: Cancel and the submit button in the footer, Enter submits. */
export function FormDialog(props: Props) {
  const { title, formId, onClose, onSubmit, submitLabel, pendingLabel, pending } = props
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} title={props.cancelTitle}>
            {props.cancelLabel ?? 'Cancel'}
          </button>
          <button
            type="submit"
            form={formId}
            className="btn btn-primary"
            disabled={pending || props.submitDisabled}
          >
            {pending ? pendingLabel : submitLabel}
          </button>
        </>
      }
    >
      <form
        id={formId}
        onSubmit={(e: FormEvent) => {
          e.preventDefault()
          onSubmit()
        }}
        noValidate
      >
        {props.children}
      </form>
    </Dialog>
  )
}
