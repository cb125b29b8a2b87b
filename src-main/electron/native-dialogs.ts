import { dialog } from 'electron'
import type { ShellDialog } from '../shell/dialogs'

/** The native folder picker; null when cancelled. */
export async function pickFolder(defaultPath?: string): Promise<string | null> {
  const r = await dialog.showOpenDialog({
    properties: ['openDirectory', 'createDirectory'],
    defaultPath,
  })
  return r.canceled ? null : (r.filePaths[0] ?? null)
}

/** Shows a ShellDialog as a message box and returns the answer of the clicked button. */
export async function ask<A extends string>(d: ShellDialog<A>): Promise<A> {
  const r = await dialog.showMessageBox({
    type: d.type,
    message: d.message,
    detail: d.detail,
    buttons: d.buttons.map((b) => b.label),
    defaultId: d.defaultIndex,
    cancelId: d.cancelIndex,
    noLink: true,
  })
  const button = d.buttons[r.response] ?? d.buttons[d.cancelIndex]
  if (!button) throw new Error('a dialog needs buttons')
  return button.answer
}

export function showError(title: string, message: string): void {
  void dialog.showMessageBox({ type: 'error', message: title, detail: message, noLink: true })
}
