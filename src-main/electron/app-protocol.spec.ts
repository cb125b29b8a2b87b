import { beforeEach, describe, expect, it, vi } from 'vitest'
import { HEADER_CSP } from '../shell/csp'
import { handleAppProtocol } from './app-protocol'
import { fake, resetFake } from './fake-electron'

vi.mock('electron', () => import('./fake-electron'))

const ROOT = '/app/out/renderer'
const get = (url: string) => fake.protocolHandler!(new Request(url))

beforeEach(() => {
  resetFake()
  handleAppProtocol(ROOT)
})

describe('bot-bottle:// (checklist 7 and 18)', () => {
  it('serves the renderer with the CSP header', async () => {
    const res = await get('bot-bottle://app/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-security-policy')).toBe(HEADER_CSP)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(fake.fetched).toEqual([`file://${ROOT}/index.html`])
    await get('bot-bottle://app/assets/index-1.js')
    expect(fake.fetched[1]).toBe(`file://${ROOT}/assets/index-1.js`)
  })

  it('never reads outside the renderer folder, nor for another host', async () => {
    expect((await get('bot-bottle://app/..%2f..%2fetc/passwd')).status).toBe(403)
    expect((await get('bot-bottle://app/assets/..%2f..%2f..%2fsecrets.txt')).status).toBe(403)
    expect((await get('bot-bottle://other/index.html')).status).toBe(404)
    expect(fake.fetched).toEqual([])
    // Dot segments the URL parser resolves itself stay inside the root.
    await get('bot-bottle://app/%2e%2e/%2e%2e/secrets.txt')
    expect(fake.fetched).toEqual([`file://${ROOT}/secrets.txt`])
  })
})
