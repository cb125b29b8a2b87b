// Draws Bot Bottle's icons procedurally and writes them under resources/:
// tray icons per platform and state, the app icon (.icns for macOS, a PNG set
// for Linux). `node scripts/generate-icons.mjs` regenerates them; the outputs
// are committed, and a test checks they still match this drawing.
//
// Shapes are predicates over the unit square; each pixel's coverage is the
// share of a grid of sample points inside the shape (supersampling), so edges
// are anti-aliased at every size without a vector library.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync, inflateSync } from 'node:zlib'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

// ---------------------------------------------------------------- geometry

const smooth = (t) => t * t * (3 - 2 * t)

/** The bottle's half-width at height y (unit square, y down), or -1 outside it. */
function bottleHalfWidth(y, b) {
  if (y < b.neckTop || y > b.bottom) return -1
  if (y < b.shoulderTop) return b.neckHalf
  if (y < b.bodyTop) {
    return (
      b.neckHalf +
      (b.bodyHalf - b.neckHalf) * smooth((y - b.shoulderTop) / (b.bodyTop - b.shoulderTop))
    )
  }
  const cornerTop = b.bottom - b.radius
  if (y <= cornerTop) return b.bodyHalf
  const dy = y - cornerTop
  return b.bodyHalf - b.radius + Math.sqrt(Math.max(0, b.radius * b.radius - dy * dy))
}

/** Horizontal inset that gives a stroke of normal width t where the side slopes. */
function insetAt(y, b, t) {
  const h = 0.002
  const slope = (bottleHalfWidth(y + h, b) - bottleHalfWidth(y - h, b)) / (2 * h)
  return t * Math.sqrt(1 + slope * slope)
}

const insideBottle = (x, y, b) => Math.abs(x - b.cx) <= bottleHalfWidth(y, b)

function insideInner(x, y, b) {
  if (y < b.neckTop || y > b.bottom - b.stroke) return false
  return Math.abs(x - b.cx) <= bottleHalfWidth(y, b) - insetAt(y, b, b.stroke)
}

function roundRect(x, y, x0, y0, x1, y1, r) {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}

const circle = (x, y, cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r

/** A squircle (superellipse, n = 5) like macOS app icon bodies. */
function squircle(x, y, cx, cy, half) {
  const u = Math.abs(x - cx) / half
  const v = Math.abs(y - cy) / half
  return u ** 5 + v ** 5 <= 1
}

/** The tray bottle: sized for 16–24 px, where a stroke is about 1.3 px. */
const TRAY_BOTTLE = {
  cx: 0.5,
  lipTop: 0.05,
  lipBottom: 0.17,
  lipHalf: 0.2,
  neckTop: 0.15,
  neckHalf: 0.135,
  shoulderTop: 0.33,
  bodyTop: 0.5,
  bodyHalf: 0.32,
  bottom: 0.95,
  radius: 0.14,
  stroke: 0.085,
}

const LIQUID_LEVEL = { running: 0.58, busy: [0.8, 0.7, 0.6, 0.5], error: 0.4 }

/** The tray icon's layers for a state: glyph (outline, lip), liquid, cut-outs. */
function trayLayers(state, frame, colors) {
  const b = TRAY_BOTTLE
  const outline = (x, y) => insideBottle(x, y, b) && !insideInner(x, y, b)
  const lip = (x, y) =>
    roundRect(x, y, b.cx - b.lipHalf, b.lipTop, b.cx + b.lipHalf, b.lipBottom, 0.03)
  const layers = [
    { shape: outline, color: colors.glyph },
    { shape: lip, color: colors.glyph },
  ]
  const level =
    state === 'running'
      ? LIQUID_LEVEL.running
      : state === 'busy'
        ? LIQUID_LEVEL.busy[frame]
        : state === 'error'
          ? LIQUID_LEVEL.error
          : null
  if (level !== null) {
    layers.push({ shape: (x, y) => y >= level && insideInner(x, y, b), color: colors[state] })
  }
  if (state === 'error') {
    // An exclamation mark cut out of the liquid (templates) or drawn over it.
    const mark = (x, y) =>
      roundRect(x, y, 0.445, 0.5, 0.555, 0.75, 0.03) || circle(x, y, 0.5, 0.84, 0.058)
    layers.push(colors.mark ? { shape: mark, color: colors.mark } : { shape: mark, erase: true })
  }
  return layers
}

const BLACK = [0, 0, 0, 255]
/** macOS templates: black and alpha only; the system tints them for the menu bar. */
const TEMPLATE_COLORS = { glyph: BLACK, running: BLACK, busy: BLACK, error: BLACK, mark: null }
const STATUS = { running: [48, 209, 88, 255], busy: [255, 179, 64, 255], error: [255, 69, 58, 255] }
/** Light glyph for dark panels (Linux, Windows dark theme); dark glyph for light ones. */
const LIGHT_GLYPH = { glyph: [242, 242, 242, 255], ...STATUS, mark: [255, 255, 255, 255] }
const DARK_GLYPH = { glyph: [31, 31, 31, 255], ...STATUS, mark: [255, 255, 255, 255] }

/** The app icon: a navy squircle, a glass bottle with teal liquid and two bot eyes. */
function appIconLayers() {
  const b = {
    cx: 0.5,
    neckTop: 0.25,
    neckHalf: 0.085,
    shoulderTop: 0.34,
    bodyTop: 0.47,
    bodyHalf: 0.215,
    bottom: 0.82,
    radius: 0.09,
    stroke: 0.03,
  }
  const lerp = (a, c, t) => a.map((v, i) => Math.round(v + (c[i] - v) * t))
  return [
    {
      shape: (x, y) => squircle(x, y, 0.5, 0.5, 0.41),
      color: (_x, y) => lerp([52, 72, 138, 255], [16, 24, 52, 255], y),
    },
    { shape: (x, y) => insideInner(x, y, b), color: [255, 255, 255, 40] },
    {
      shape: (x, y) => y >= 0.52 && insideInner(x, y, b),
      color: (_x, y) => lerp([94, 234, 212, 255], [13, 148, 136, 255], (y - 0.52) / 0.3),
    },
    {
      shape: (x, y) => insideBottle(x, y, b) && !insideInner(x, y, b),
      color: [248, 250, 252, 255],
    },
    {
      shape: (x, y) => roundRect(x, y, 0.405, 0.17, 0.595, 0.265, 0.02),
      color: [214, 168, 108, 255],
    },
    {
      shape: (x, y) => circle(x, y, 0.43, 0.64, 0.042) || circle(x, y, 0.57, 0.64, 0.042),
      color: [255, 255, 255, 255],
    },
    {
      shape: (x, y) => circle(x, y, 0.437, 0.645, 0.019) || circle(x, y, 0.577, 0.645, 0.019),
      color: [15, 23, 42, 255],
    },
    {
      shape: (x, y) => roundRect(x, y, 0.46, 0.715, 0.54, 0.735, 0.01),
      color: [15, 23, 42, 200],
    },
  ]
}

// ---------------------------------------------------------------- raster

/** Renders layers into an RGBA buffer of size×size, ss×ss samples per pixel. */
export function render(layers, size, ss = Math.max(4, Math.min(16, Math.floor(256 / size) + 2))) {
  const rgba = new Uint8Array(size * size * 4)
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let a = 0
      for (const layer of layers) {
        let inside = 0
        for (let sy = 0; sy < ss; sy++) {
          const y = (py + (sy + 0.5) / ss) / size
          for (let sx = 0; sx < ss; sx++) {
            if (layer.shape((px + (sx + 0.5) / ss) / size, y)) inside++
          }
        }
        if (inside === 0) continue
        const cov = inside / (ss * ss)
        if (layer.erase) {
          a *= 1 - cov
          continue
        }
        const c =
          typeof layer.color === 'function'
            ? layer.color((px + 0.5) / size, (py + 0.5) / size)
            : layer.color
        const sa = (c[3] / 255) * cov
        const na = sa + a * (1 - sa)
        if (na > 0) {
          r = (c[0] * sa + r * a * (1 - sa)) / na
          g = (c[1] * sa + g * a * (1 - sa)) / na
          b = (c[2] * sa + b * a * (1 - sa)) / na
        }
        a = na
      }
      const i = (py * size + px) * 4
      rgba[i] = Math.round(r)
      rgba[i + 1] = Math.round(g)
      rgba[i + 2] = Math.round(b)
      rgba[i + 3] = Math.round(a * 255)
    }
  }
  return rgba
}

// ---------------------------------------------------------------- PNG

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'ascii')
  Buffer.from(data).copy(out, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const paeth = (a, b, c) => {
  const p = a + b - c
  const pa = Math.abs(p - a)
  const pb = Math.abs(p - b)
  const pc = Math.abs(p - c)
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
}

/** Filter predictors by PNG filter type: left a, up b, up-left c. */
const PREDICT = [() => 0, (a) => a, (_a, b) => b, (a, b) => (a + b) >> 1, paeth]

/** An 8-bit RGBA PNG; each row takes the filter with the smallest absolute sum. */
export function encodePng(width, height, rgba) {
  const stride = width * 4
  const raw = Buffer.alloc((stride + 1) * height)
  for (let y = 0; y < height; y++) {
    let best = null
    let bestSum = Infinity
    for (let f = 0; f < PREDICT.length; f++) {
      const row = Buffer.alloc(stride + 1)
      row[0] = f
      let sum = 0
      for (let x = 0; x < stride; x++) {
        const i = y * stride + x
        const a = x >= 4 ? rgba[i - 4] : 0
        const b = y > 0 ? rgba[i - stride] : 0
        const c = x >= 4 && y > 0 ? rgba[i - stride - 4] : 0
        const v = (rgba[i] - PREDICT[f](a, b, c)) & 0xff
        row[x + 1] = v
        sum += v < 128 ? v : 256 - v
      }
      if (sum < bestSum) {
        bestSum = sum
        best = row
      }
    }
    best.copy(raw, y * (stride + 1))
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 6, 0, 0, 0], 8) // 8-bit, RGBA, deflate, adaptive filtering, no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Decodes the PNGs this script writes (8-bit RGBA, not interlaced); checks every CRC. */
export function decodePng(buf) {
  if (!buf.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG')
  let off = 8
  let width = 0
  let height = 0
  const idat = []
  while (off < buf.length) {
    const len = buf.readUInt32BE(off)
    const type = buf.toString('ascii', off + 4, off + 8)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (crc32(buf.subarray(off + 4, off + 8 + len)) !== buf.readUInt32BE(off + 8 + len)) {
      throw new Error(`bad CRC in ${type}`)
    }
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      if (data[8] !== 8 || data[9] !== 6 || data[12] !== 0) throw new Error('not 8-bit RGBA')
    } else if (type === 'IDAT') idat.push(data)
    off += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * 4
  const rgba = new Uint8Array(stride * height)
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]
    if (f > 4) throw new Error(`bad filter ${f}`)
    for (let x = 0; x < stride; x++) {
      const i = y * stride + x
      const a = x >= 4 ? rgba[i - 4] : 0
      const b = y > 0 ? rgba[i - stride] : 0
      const c = x >= 4 && y > 0 ? rgba[i - stride - 4] : 0
      rgba[i] = (raw[y * (stride + 1) + 1 + x] + PREDICT[f](a, b, c)) & 0xff
    }
  }
  return { width, height, rgba }
}

// ---------------------------------------------------------------- ICNS

/** ICNS entry types holding PNG data, by pixel size (several sizes share data). */
const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
]

export function encodeIcns(pngBySize) {
  const entries = ICNS_TYPES.map(([type, size]) => {
    const png = pngBySize.get(size)
    const head = Buffer.alloc(8)
    head.write(type, 0, 'ascii')
    head.writeUInt32BE(8 + png.length, 4)
    return Buffer.concat([head, png])
  })
  const head = Buffer.alloc(8)
  head.write('icns', 0, 'ascii')
  head.writeUInt32BE(8 + entries.reduce((n, e) => n + e.length, 0), 4)
  return Buffer.concat([head, ...entries])
}

// ---------------------------------------------------------------- outputs

export const TRAY_STATES = ['idle', 'running', 'busy-0', 'busy-1', 'busy-2', 'busy-3', 'error']

/** Tray icon sets: folder, base size (the @2x file is twice it), colours, name suffix. */
export const TRAY_VARIANTS = [
  { dir: 'mac', size: 16, colors: TEMPLATE_COLORS, suffix: 'Template' },
  { dir: 'linux', size: 24, colors: LIGHT_GLYPH, suffix: '' },
  { dir: 'win-dark', size: 16, colors: LIGHT_GLYPH, suffix: '' },
  { dir: 'win-light', size: 16, colors: DARK_GLYPH, suffix: '' },
]

export const APP_ICON_SIZES = [16, 32, 48, 64, 128, 256, 512, 1024]

/** Every tray image as { path (under resources/), size, rgba }. */
export function trayImages() {
  const out = []
  for (const v of TRAY_VARIANTS) {
    for (const s of TRAY_STATES) {
      const [state, frame] = s.split('-')
      const layers = trayLayers(state, Number(frame ?? 0), v.colors)
      for (const [scale, at] of [
        [1, ''],
        [2, '@2x'],
      ]) {
        const size = v.size * scale
        out.push({
          path: `tray/${v.dir}/bottle-${s}${v.suffix}${at}.png`,
          size,
          rgba: render(layers, size),
        })
      }
    }
  }
  return out
}

/** The app icon at the given sizes (by default every size it ships in). */
export function appIconImages(sizes = APP_ICON_SIZES) {
  const layers = appIconLayers()
  return sizes.map((size) => ({ size, rgba: render(layers, size) }))
}

function main() {
  const resources = join(ROOT, 'resources')
  const write = (rel, data) => {
    const file = join(resources, rel)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, data)
  }
  for (const img of trayImages()) write(img.path, encodePng(img.size, img.size, img.rgba))
  const pngs = new Map()
  for (const { size, rgba } of appIconImages()) {
    const png = encodePng(size, size, rgba)
    pngs.set(size, png)
    if (size <= 512) write(`icons/${size}x${size}.png`, png)
  }
  write('icon.png', pngs.get(1024))
  write('icon.icns', encodeIcns(pngs))
  console.log(`wrote tray icons, icons/*.png, icon.png and icon.icns under ${resources}`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main()
