import { ErrorNotice } from '../components/ErrorNotice'
import { Loading } from '../components/States'
import { useSettings } from '../stores/settings-store'
import { ManifestEditor } from './ManifestEditor'
import { BinariesForm, PreferencesForm } from './PreferencesForm'

/** Settings: preferences, binary paths, and the manifest of agents. */
export function SettingsView() {
  const { settings, error } = useSettings()
  return (
    <div className="page settings">
      <header className="page-header">
        <h2>Settings</h2>
      </header>
      {error && <ErrorNotice error={error} title="Settings are not live" compact />}
      {settings ? (
        <>
          <PreferencesForm settings={settings} />
          <BinariesForm settings={settings} />
        </>
      ) : (
        !error && <Loading label="Reading the settings…" />
      )}
      <ManifestEditor />
    </div>
  )
}
