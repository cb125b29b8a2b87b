import type { Settings } from '../../../src-shared/contract'
import { useSettings } from './settings-store'

/** Sets `data-theme` on <html>; styles.css maps it to colour variables (system follows the OS). */
export function applyTheme(theme: Settings['theme']): void {
  document.documentElement.dataset.theme = theme
}

/** Keeps the page's theme in step with the settings. */
export function startThemeSync(): () => void {
  applyTheme(useSettings.getState().settings?.theme ?? 'system')
  return useSettings.subscribe((s) => applyTheme(s.settings?.theme ?? 'system'))
}
