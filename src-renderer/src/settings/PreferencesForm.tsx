import { useState } from 'react'
import type { Settings, SettingsPatch } from '../../../src-shared/contract'
import { CheckField } from '../components/CheckField'
import { ErrorNotice } from '../components/ErrorNotice'
import { errorIssues, fieldErrors } from '../lib/errors'
import { useAction } from '../lib/use-action'
import { useConnection } from '../stores/connection-store'
import { updateSettings } from '../stores/settings-store'

const THEMES: { value: Settings['theme']; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

/** Theme, notifications and start at login: each applies as soon as it changes. */
export function PreferencesForm({ settings: saved }: { settings: Settings }) {
  const [update, status] = useAction(updateSettings)
  const desktop = useConnection((s) => s.info?.mode === 'electron')
  // A choice shows at once; it reverts if the backend refuses it.
  const [optimistic, setOptimistic] = useState<SettingsPatch>({})
  const settings = { ...saved, ...optimistic }
  const change = async (patch: SettingsPatch): Promise<void> => {
    setOptimistic((o) => ({ ...o, ...patch }))
    await update(patch)
    setOptimistic((o) => {
      const rest = { ...o }
      for (const k of Object.keys(patch)) delete rest[k as keyof SettingsPatch]
      return rest
    })
  }
  return (
    <section aria-labelledby="prefs-title">
      <h3 id="prefs-title">Preferences</h3>
      <fieldset className="field radio-group radio-inline">
        <legend>Theme</legend>
        {THEMES.map((t) => (
          <label key={t.value}>
            <input
              type="radio"
              name="theme"
              value={t.value}
              checked={settings.theme === t.value}
              onChange={() => void change({ theme: t.value })}
            />{' '}
            {t.label}
          </label>
        ))}
      </fieldset>
      <CheckField
        id="pref-notifications"
        label="Notifications"
        hint="When a bottle ends unexpectedly or fails to launch."
        checked={settings.notifications}
        onChange={(notifications) => void change({ notifications })}
      />
      <CheckField
        id="pref-login"
        label="Start at login"
        hint={
          desktop
            ? 'Bot Bottle opens in the menu bar when you log in.'
            : 'Applies to the desktop app.'
        }
        checked={settings.startAtLogin}
        onChange={(startAtLogin) => void change({ startAtLogin })}
      />
      {status.error && (
        <ErrorNotice error={status.error} title="The setting was not changed" compact />
      )}
    </section>
  )
}

const PATH_FIELDS = [
  {
    key: 'smolvmPath',
    label: 'smolvm binary',
    placeholder: 'from BOT_BOTTLE_SMOLVM, then PATH',
  },
  {
    key: 'dockerPath',
    label: 'docker binary',
    placeholder: 'from BOT_BOTTLE_DOCKER, then PATH',
  },
  {
    key: 'bundleImage',
    label: 'Bundle image',
    placeholder: 'from BOT_BOTTLE_BUNDLE_IMAGE, then the built-in one',
  },
] as const

type PathKey = (typeof PATH_FIELDS)[number]['key']

/** Where smolvm and docker are (empty: found as the placeholder says), applied on Save. */
export function BinariesForm({ settings }: { settings: Settings }) {
  const initial = (): Record<PathKey, string> => ({
    smolvmPath: settings.smolvmPath ?? '',
    dockerPath: settings.dockerPath ?? '',
    bundleImage: settings.bundleImage ?? '',
  })
  const [values, setValues] = useState(initial)
  const [update, status, reset] = useAction(updateSettings)
  const [saved, setSaved] = useState(false)
  const fields = fieldErrors(errorIssues(status.error))
  const dirty = PATH_FIELDS.some((f) => values[f.key].trim() !== (settings[f.key] ?? ''))

  const save = async (): Promise<void> => {
    setSaved(false)
    const patch: SettingsPatch = {}
    for (const f of PATH_FIELDS) patch[f.key] = values[f.key].trim() || null
    if (await update(patch)) setSaved(true)
  }

  return (
    <section aria-labelledby="bins-title">
      <h3 id="bins-title">Binaries</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault()
          void save()
        }}
        noValidate
      >
        {PATH_FIELDS.map((f) => (
          <div className="field" key={f.key}>
            <label htmlFor={`bin-${f.key}`}>{f.label}</label>
            <input
              id={`bin-${f.key}`}
              className="input mono"
              value={values[f.key]}
              placeholder={f.placeholder}
              spellCheck={false}
              aria-invalid={fields[f.key] ? true : undefined}
              onChange={(e) => {
                setSaved(false)
                setValues({ ...values, [f.key]: e.target.value })
              }}
            />
            {fields[f.key] && <p className="field-error">{fields[f.key]}</p>}
          </div>
        ))}
        {status.error && Object.keys(fields).length === 0 && (
          <ErrorNotice error={status.error} title="The paths were not changed" compact />
        )}
        <div className="actions-row">
          <button
            type="button"
            className="btn"
            disabled={!dirty}
            onClick={() => {
              setValues(initial())
              reset()
            }}
          >
            Revert
          </button>
          <button type="submit" className="btn btn-primary" disabled={!dirty || status.pending}>
            Save paths
          </button>
          {saved && !dirty && (
            <span className="ok small" aria-live="polite">
              Saved. Run the Doctor to check them.
            </span>
          )}
        </div>
      </form>
    </section>
  )
}
