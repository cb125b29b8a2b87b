import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  APP_ICON_SIZES,
  appIconImages,
  decodePng,
  trayImages,
} from '../../scripts/generate-icons.mjs'

const RESOURCES = join(__dirname, '..', '..', 'resources')
const tray = trayImages()

/** The largest per-channel difference (renders may differ by a rounding step between runtimes). */
function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

describe('icons (scripts/generate-icons.mjs)', () => {
  it('committed tray icons are what the generator draws, at their sizes', () => {
    expect(tray).toHaveLength(4 * 7 * 2)
    for (const img of tray) {
      const png = decodePng(readFileSync(join(RESOURCES, img.path)))
      expect([png.width, png.height], img.path).toEqual([img.size, img.size])
      expect(maxDiff(png.rgba, img.rgba), img.path).toBeLessThanOrEqual(1)
    }
  })

  it('macOS tray icons are templates: 16 px and 32 px @2x, black and alpha only', () => {
    const mac = tray.filter((i) => i.path.startsWith('tray/mac/'))
    expect(mac.every((i) => /Template(@2x)?\.png$/.test(i.path))).toBe(true)
    expect(new Set(mac.map((i) => i.size))).toEqual(new Set([16, 32]))
    for (const img of mac) {
      const png = decodePng(readFileSync(join(RESOURCES, img.path)))
      let opaque = 0
      for (let i = 0; i < png.rgba.length; i += 4) {
        expect(png.rgba[i]! + png.rgba[i + 1]! + png.rgba[i + 2]!, img.path).toBe(0)
        if (png.rgba[i + 3]! > 128) opaque++
      }
      expect(opaque, `${img.path} draws something`).toBeGreaterThan(png.width)
    }
  })

  it('every state looks different from the others', () => {
    const linux = tray.filter((i) => i.path.startsWith('tray/linux/') && !i.path.includes('@2x'))
    const keys = new Set(linux.map((i) => Buffer.from(i.rgba).toString('base64')))
    expect(keys.size).toBe(linux.length)
  })

  it('the app icon ships at every size, in the .icns too', () => {
    const icons = appIconImages([16, 32, 48, 64])
    for (const img of icons) {
      const png = decodePng(readFileSync(join(RESOURCES, 'icons', `${img.size}x${img.size}.png`)))
      expect(maxDiff(png.rgba, img.rgba)).toBeLessThanOrEqual(1)
    }
    const icns = readFileSync(join(RESOURCES, 'icon.icns'))
    expect(icns.readUInt32BE(4)).toBe(icns.length)
    const sizes: number[] = []
    for (let off = 8; off < icns.length; off += icns.readUInt32BE(off + 4)) {
      sizes.push(decodePng(icns.subarray(off + 8, off + icns.readUInt32BE(off + 4))).width)
    }
    expect(new Set(sizes)).toEqual(new Set(APP_ICON_SIZES.filter((s) => s !== 48)))
    expect(decodePng(readFileSync(join(RESOURCES, 'icon.png'))).width).toBe(1024)
  })
})
