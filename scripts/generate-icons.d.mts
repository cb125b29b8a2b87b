export interface RenderedIcon {
  size: number
  rgba: Uint8Array
}
export const TRAY_STATES: string[]
export const TRAY_VARIANTS: { dir: string; size: number; suffix: string }[]
export const APP_ICON_SIZES: number[]
export function trayImages(): (RenderedIcon & { path: string })[]
export function appIconImages(sizes?: number[]): RenderedIcon[]
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer
export function decodePng(buf: Buffer): { width: number; height: number; rgba: Uint8Array }
