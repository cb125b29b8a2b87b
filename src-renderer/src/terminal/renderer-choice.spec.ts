import { describe, expect, it } from 'vitest'
import { isSoftwareRenderer } from './renderer-choice'

describe('isSoftwareRenderer', () => {
  it('tells CPU rasterizers from GPUs by the WebGL renderer name', () => {
    // Headless Chromium without a GPU (this machine), Mesa without a GPU, Windows without a driver.
    for (const software of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
    ])
      expect(isSoftwareRenderer(software)).toBe(true)
    for (const gpu of [
      'ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)',
      'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 (0x00002206) Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'Mesa Intel(R) UHD Graphics 620 (KBL GT2)',
      'WebKit WebGL',
    ])
      expect(isSoftwareRenderer(gpu)).toBe(false)
  })
})
