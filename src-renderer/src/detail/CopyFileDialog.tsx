import { useState } from 'react'
import { z } from 'zod'
import { GuestPath, HostPath, type Bottle } from '../../../src-shared/contract'
import { invalidParams, type RpcErrorShape } from '../../../src-shared/rpc/errors'
import { FormDialog } from '../components/FormDialog'
import { ErrorNotice } from '../components/ErrorNotice'
import { PathField } from '../components/PathField'
import { call } from '../lib/backend'
import { formErrors } from '../lib/errors'
import { formatBytes } from '../lib/format'
import { useAction } from '../lib/use-action'

const Paths = z.object({ hostPath: HostPath, guestPath: GuestPath })
const FIELDS = ['hostPath', 'guestPath'] as const
const DIRECTIONS = [
  { value: 'in', label: 'Into the bottle (host → guest)' },
  { value: 'out', label: 'Out of the bottle (guest → host)' },
] as const

/** Copy one file into the bottle or out of it (bottles.cp). */
export function CopyFileDialog({ bottle, onClose }: { bottle: Bottle; onClose: () => void }) {
  const [direction, setDirection] = useState<'in' | 'out'>('in')
  const [hostPath, setHostPath] = useState('')
  const [guestPath, setGuestPath] = useState(`${bottle.workdir.replace(/\/$/, '')}/`)
  const [localError, setLocalError] = useState<RpcErrorShape | null>(null)
  const [copied, setCopied] = useState<number | null>(null)
  const [copy, status] = useAction((p: { hostPath: string; guestPath: string }) =>
    call('bottles.cp', { id: bottle.id, direction, ...p }, { timeoutMs: 10 * 60_000 }),
  )

  const { fields, general } = formErrors(localError ?? status.error, FIELDS)

  const submit = async (): Promise<void> => {
    setCopied(null)
    const parsed = Paths.safeParse({ hostPath: hostPath.trim(), guestPath: guestPath.trim() })
    if (!parsed.success) {
      setLocalError(invalidParams('paths', parsed.error).toShape())
      return
    }
    setLocalError(null)
    const r = await copy(parsed.data)
    if (r) setCopied(r.bytes)
  }

  return (
    <FormDialog
      title="Copy a file"
      formId="copy-file-form"
      onClose={onClose}
      onSubmit={() => void submit()}
      submitLabel="Copy"
      pendingLabel="Copying…"
      pending={status.pending}
      cancelLabel={copied === null ? 'Cancel' : 'Done'}
    >
      <fieldset className="field radio-group">
        <legend>Direction</legend>
        {DIRECTIONS.map((d, i) => (
          <label key={d.value}>
            <input
              type="radio"
              name="direction"
              checked={direction === d.value}
              onChange={() => setDirection(d.value)}
              data-autofocus={i === 0 ? true : undefined}
            />{' '}
            {d.label}
          </label>
        ))}
      </fieldset>
      <PathField
        label={direction === 'in' ? 'File on this computer' : 'Save to (on this computer)'}
        value={hostPath}
        onChange={setHostPath}
        error={fields.hostPath}
        placeholder="/home/you/file.txt"
      />
      <div className="field">
        <label htmlFor="copy-guest">
          {direction === 'in' ? 'Destination in the bottle' : 'File in the bottle'}
        </label>
        <input
          id="copy-guest"
          className="input mono"
          value={guestPath}
          onChange={(e) => setGuestPath(e.target.value)}
          aria-invalid={fields.guestPath ? true : undefined}
          spellCheck={false}
        />
        {fields.guestPath && <p className="field-error">{fields.guestPath}</p>}
      </div>
      {general && <ErrorNotice error={general} title="The copy failed" />}
      {copied !== null && (
        <p className="notice notice-ok" aria-live="polite">
          Copied {formatBytes(copied)}.
        </p>
      )}
    </FormDialog>
  )
}
