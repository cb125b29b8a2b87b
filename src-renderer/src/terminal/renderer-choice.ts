export type RendererKind = 'dom' | 'webgl'

/** WebGL drawn by the CPU, where xterm's WebGL renderer is several times slower than its DOM one. */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i

export function isSoftwareRenderer(glRendererName: string): boolean {
  return SOFTWARE_GL.test(glRendererName)
}

let softwareGl: boolean | undefined

/**
 * The renderer a terminal starts with: `?renderer=dom|webgl` on the URL the
 * page was loaded with (the dashboard strips the query string right after the
 * first load), else WebGL where a GPU draws it, else DOM. Chromium without a
 * GPU still offers WebGL2 through SwiftShader, and it passes
 * `failIfMajorPerformanceCaveat`: only the renderer's name tells.
 */
export function chooseRenderer(): RendererKind {
  const loaded = performance.getEntriesByType('navigation')[0]?.name ?? location.href
  const asked = new URL(loaded, location.href).searchParams.get('renderer')
  if (asked === 'dom' || asked === 'webgl') return asked
  softwareGl ??= probeSoftwareGl()
  return softwareGl ? 'dom' : 'webgl'
}

/** True when there is no WebGL2 or the CPU rasterizes it. */
function probeSoftwareGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2')
  if (!gl) return true
  try {
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    return isSoftwareRenderer(
      String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER)),
    )
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  }
}
