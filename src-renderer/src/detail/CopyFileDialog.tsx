import { useRef, useState } from 'react'
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
type Paths = z.infer<typeof Paths>
const FIELDS = ['hostPath', 'guestPath'] as const
const DIRECTIONS = [
  { value: 'in', label: 'Into the bottle (host → guest)' },
  { value: 'out', label: 'Out of the bottle (guest → host)' },
] as const
type Direction = (typeof DIRECTIONS)[number]['value']
const FOLDER_HINT = 'A folder (ending in /) receives the file under its own name.'

/** The host file the backend would not replace (CONFLICT with details.path), if that is the error. */
function refusedReplace(error: RpcErrorShape | null): string | null {
  const path = error?.code === 'CONFLICT' && (error.details as { path?: unknown } | undefined)?.path
  return typeof path === 'string' ? path : null
}

/**
 * A failed command's error without the stderr lines its message already
 * quotes (the message ends with stderr's last line), so it reads once.
 */
function withoutEcho(error: RpcErrorShape): RpcErrorShape {
  const details = error.details as Record<string, unknown> | undefined
  if (typeof details?.stderr !== 'string') return error
  const rest = details.stderr
    .split('\n')
    .filter((line) => line.trim() !== '' && !error.message.includes(line.trim()))
  const next: Record<string, unknown> = { ...details, stderr: rest.join('\n') }
  if (rest.length === 0) delete next.stderr
  return { ...error, details: next }
}

/** Copy one file into the bottle or out of it (bottles.cp). */
export function CopyFileDialog({ bottle, onClose }: { bottle: Bottle; onClose: () => void }) {
  const guestFolder = `${bottle.workdir.replace(/\/$/, '')}/`
  const [direction, setDirection] = useState<Direction>('in')
  const [hostPath, setHostPath] = useState('')
  const [guestPath, setGuestPath] = useState(guestFolder)
  const [localError, setLocalError] = useState<RpcErrorShape | null>(null)
  const [copied, setCopied] = useState<{ bytes: number; to: string } | null>(null)
  // The paths of the last attempt: a "Replace" repeats exactly that copy.
  const attempted = useRef<Paths | null>(null)
  const [copy, status, resetStatus] = useAction((p: Paths & { overwrite: boolean }, d: Direction) =>
    call('bottles.cp', { id: bottle.id, direction: d, ...p }, { timeoutMs: 10 * 60_000 }),
  )

  const replacing = status.pending ? null : refusedReplace(status.error)
  const { fields, general } = formErrors(localError ?? status.error, FIELDS)

  const forget = (): void => {
    setCopied(null)
    setLocalError(null)
    resetStatus()
  }

  const run = async (paths: Paths, overwrite: boolean): Promise<void> => {
    attempted.current = paths
    const r = await copy({ ...paths, overwrite }, direction)
    if (r) setCopied({ bytes: r.bytes, to: direction === 'in' ? r.guestPath : r.hostPath })
  }

  const submit = async (): Promise<void> => {
    forget()
    const parsed = Paths.safeParse({ hostPath: hostPath.trim(), guestPath: guestPath.trim() })
    if (!parsed.success) {
      setLocalError(invalidParams('paths', parsed.error).toShape())
      return
    }
    await run(parsed.data, false)
  }

  // The destination changes sides: what was typed for the other direction
  // (a source, a folder) must never become the file this copy writes.
  const changeDirection = (d: Direction): void => {
    if (d === direction) return
    forget()
    setDirection(d)
    setHostPath('')
    if (d === 'in') setGuestPath(guestFolder)
  }

  const edit = (set: (v: string) => void) => (v: string) => {
    set(v)
    if (replacing) resetStatus()
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
      submitDisabled={replacing !== null}
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
              onChange={() => changeDirection(d.value)}
              data-autofocus={i === 0 ? true : undefined}
            />{' '}
            {d.label}
          </label>
        ))}
      </fieldset>
      <PathField
        label={direction === 'in' ? 'File on this computer' : 'Save to (on this computer)'}
        value={hostPath}
        onChange={edit(setHostPath)}
        error={fields.hostPath}
        placeholder="/home/you/file.txt"
        hint={direction === 'out' ? FOLDER_HINT : undefined}
      />
      <div className="field">
        <label htmlFor="copy-guest">
          {direction === 'in' ? 'Destination in the bottle' : 'File in the bottle'}
        </label>
        <input
          id="copy-guest"
          className="input mono"
          value={guestPath}
          onChange={(e) => edit(setGuestPath)(e.target.value)}
          aria-invalid={fields.guestPath ? true : undefined}
          spellCheck={false}
        />
        {fields.guestPath && <p className="field-error">{fields.guestPath}</p>}
        {direction === 'in' && <div className="field-hint muted small">{FOLDER_HINT}</div>}
      </div>
      {replacing !== null ? (
        <div className="notice notice-warn" role="alert">
          <p>
            <strong>Replace {replacing}?</strong>
          </p>
          <p className="muted small">
            A file by that name already exists on this computer. Replacing it overwrites its
            contents with the file from the bottle.
          </p>
          <div className="actions-row">
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                const paths = attempted.current
                if (paths) void run({ ...paths, hostPath: replacing }, true)
              }}
            >
              Replace
            </button>
            <button type="button" className="btn" onClick={resetStatus}>
              Keep the existing file
            </button>
          </div>
        </div>
      ) : (
        general && <ErrorNotice error={withoutEcho(general)} title="The copy failed" />
      )}
      {copied !== null && (
        <p className="notice notice-ok" aria-live="polite">
          <span>Copied {formatBytes(copied.bytes)}.</span>{' '}
          <span className="muted small mono">{copied.to}</span>
        </p>
      )}
    </FormDialog>
  )
}
