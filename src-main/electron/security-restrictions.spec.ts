import { beforeEach, describe, expect, it, vi } from 'vitest'
import { nullLogger } from '../core/base/logger'
import { APP_ORIGIN } from '../shell/security-policy'
import {
  app,
  fake,
  fakeEvent,
  FakeSession,
  FakeWebContents,
  resetFake,
  session,
} from './fake-electron'
import { SecurityRestrictions } from './security-restrictions'

vi.mock('electron', () => import('./fake-electron'))

/** Installs the restrictions and creates one web contents and one extra session. */
async function installed(): Promise<{ contents: FakeWebContents; extra: FakeSession }> {
  new SecurityRestrictions(() => APP_ORIGIN, nullLogger).install()
  const contents = new FakeWebContents()
  app.fire('web-contents-created', {}, contents)
  const extra = new FakeSession()
  app.fire('session-created', extra)
  await Promise.resolve() // whenReady → the default session
  return { contents, extra }
}

beforeEach(() => resetFake())

describe('security restrictions (Electron checklist)', () => {
  it('5: denies every permission request, check and device on every session, but the clipboard to the app’s top frame', async () => {
    const { extra } = await installed()
    const top = { isMainFrame: true, requestingUrl: `${APP_ORIGIN}/index.html` }
    for (const s of [session.defaultSession, extra]) {
      expect(s.permissionRequest, 'request handler').toBeTypeOf('function')
      for (const permission of ['media', 'geolocation', 'notifications', 'openExternal']) {
        const callback = vi.fn()
        s.permissionRequest!(...([{}, permission, callback, top] as never[]))
        expect(callback).toHaveBeenCalledWith(false)
        expect(
          s.permissionCheck!(...([{}, permission, APP_ORIGIN, { isMainFrame: true }] as never[])),
        ).toBe(false)
      }
      for (const permission of ['clipboard-read', 'clipboard-sanitized-write']) {
        const granted = vi.fn()
        s.permissionRequest!(...([{}, permission, granted, top] as never[]))
        expect(granted).toHaveBeenCalledWith(true)
        const subframe = vi.fn()
        s.permissionRequest!(
          ...([{}, permission, subframe, { ...top, isMainFrame: false }] as never[]),
        )
        expect(subframe).toHaveBeenCalledWith(false)
        const foreign = vi.fn()
        s.permissionRequest!(
          ...([
            {},
            permission,
            foreign,
            { isMainFrame: true, requestingUrl: 'https://evil.example/' },
          ] as never[]),
        )
        expect(foreign).toHaveBeenCalledWith(false)
        expect(
          s.permissionCheck!(...([{}, permission, APP_ORIGIN, { isMainFrame: true }] as never[])),
        ).toBe(true)
        expect(
          s.permissionCheck!(
            ...([{}, permission, 'https://evil.example', { isMainFrame: true }] as never[]),
          ),
        ).toBe(false)
      }
      expect(s.devicePermission!(...([{ deviceType: 'usb', origin: APP_ORIGIN }] as never[]))).toBe(
        false,
      )
    }
  })

  it('13: blocks navigation and redirects away from the app origin, for pages and frames', async () => {
    const { contents } = await installed()
    const inside = fakeEvent({ url: `${APP_ORIGIN}/index.html#/doctor`, isMainFrame: true })
    contents.fire('will-navigate', inside)
    expect(inside.defaultPrevented).toBe(false)
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'bot-bottle://other/x']) {
      const nav = fakeEvent({ url, isMainFrame: true })
      contents.fire('will-navigate', nav)
      expect(nav.defaultPrevented, url).toBe(true)
      const redirect = fakeEvent({ url, isMainFrame: true })
      contents.fire('will-redirect', redirect)
      expect(redirect.defaultPrevented, url).toBe(true)
      const frame = fakeEvent({ url, isMainFrame: false })
      contents.fire('will-frame-navigate', frame)
      expect(frame.defaultPrevented, url).toBe(true)
    }
  })

  it('14/15: denies every new window; only https links go to the browser', async () => {
    const { contents } = await installed()
    const open = contents.windowOpenHandler!
    expect(open({ url: 'https://docs.anthropic.com/' })).toEqual({ action: 'deny' })
    expect(open({ url: 'http://example.com/' })).toEqual({ action: 'deny' })
    expect(open({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(open({ url: `${APP_ORIGIN}/index.html` })).toEqual({ action: 'deny' })
    expect(fake.opened).toEqual(['https://docs.anthropic.com/'])
  })

  it('11/12: prevents every <webview> from attaching', async () => {
    const { contents } = await installed()
    const e = fakeEvent({})
    contents.fire('will-attach-webview', e, { preload: '/evil.js' }, {})
    expect(e.defaultPrevented).toBe(true)
  })

  it('logs what it blocked, to the backend log once it exists', async () => {
    const warnings: string[] = []
    const restrictions = new SecurityRestrictions(() => APP_ORIGIN, nullLogger)
    restrictions.install()
    restrictions.useLogger({ ...nullLogger, warn: (m) => warnings.push(m) })
    const contents = new FakeWebContents()
    app.fire('web-contents-created', {}, contents)
    contents.fire('will-navigate', fakeEvent({ url: 'https://evil.example/', isMainFrame: true }))
    expect(warnings).toEqual(['blocked navigation to https://evil.example/'])
  })
})
