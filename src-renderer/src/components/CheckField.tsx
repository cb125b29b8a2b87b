import type { ReactNode } from 'react'

interface Props {
  id: string
  label: ReactNode
  hint?: ReactNode
  checked: boolean
  onChange: (checked: boolean) => void
  error?: string | null
}

/** A checkbox with its label and a line saying what it does. */
export function CheckField({ id, label, hint, checked, onChange, error }: Props) {
  return (
    <div className="field field-check">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>
        {label}
        {hint && <span className="muted small block">{hint}</span>}
      </label>
      {error && <p className="field-error">{error}</p>}
    </div>
  )
}
