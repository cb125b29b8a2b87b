import { describe, expect, it } from 'vitest'
import { decide, stillAllowed, type Lookup } from './policy'
import { parseRules, type Rule } from './rules'

function rules(...texts: string[]): Rule[] {
  return parseRules(texts).rules
}

/** A resolver from a table; names not in it fail like getaddrinfo does. */
function dns(table: Record<string, string[]>): Lookup & { calls: string[] } {
  const calls: string[] = []
  const lookup = async (host: string): Promise<{ address: string }[]> => {
    calls.push(host)
    const a = table[host]
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' })
    return a.map((address) => ({ address }))
  }
  return Object.assign(lookup, { calls })
}

describe('decide', () => {
  it('allows a name with a rule when it resolves to public addresses, and returns them to connect to', async () => {
    const lookup = dns({ 'api.example.com': ['93.184.215.14', '2606:4700::6810:84e5'] })
    const d = await decide(rules('api.example.com'), 'API.example.com.', 443, lookup)
    expect(d).toMatchObject({ allow: true, rule: { text: 'api.example.com' }, addresses: ['93.184.215.14', '2606:4700::6810:84e5'] })
    expect(lookup.calls).toEqual(['api.example.com'])
  })

  it('denies an unknown host without resolving it, naming it and what to do', async () => {
    const lookup = dns({})
    const d = await decide(rules('api.example.com'), 'evil.example.net', 443, lookup)
    expect(d).toMatchObject({ allow: false, status: 403, rule: null, reason: 'no rule allows evil.example.net:443' })
    expect(d.allow ? '' : d.hint).toMatch(/Ask the user to add a rule.*evil\.example\.net/)
    expect(lookup.calls).toEqual([])
  })

  it('tells a wrong port from an unknown host', async () => {
    const d = await decide(rules('api.example.com'), 'api.example.com', 8443, dns({}))
    expect(d).toMatchObject({ allow: false, reason: expect.stringContaining('not port 8443') })
    expect(d.allow ? '' : d.hint).toContain('api.example.com:8443')
  })

  it('refuses a name that resolves only to private, metadata or loopback addresses (DNS rebinding)', async () => {
    const lookup = dns({
      'rebind.example.com': ['10.0.0.7'],
      'meta.example.com': ['169.254.169.254'],
      'self.example.com': ['127.0.0.1', '::1'],
    })
    const list = rules('*.example.com')
    const a = await decide(list, 'rebind.example.com', 443, lookup)
    expect(a).toMatchObject({ allow: false, status: 403, rule: { text: '*.example.com' } })
    expect(a.reason).toMatch(/10\.0\.0\.7 \(private\).*DNS-rebinding guard/)
    expect(a.allow ? '' : a.hint).toContain('10.0.0.7')
    expect((await decide(list, 'meta.example.com', 443, lookup)).reason).toMatch(/cloud metadata/)
    const self = await decide(list, 'self.example.com', 443, lookup)
    expect(self).toMatchObject({ allow: false })
    expect(self.reason).toMatch(/127\.0\.0\.1 \(loopback\), ::1 \(loopback\)/)
  })

  it('lets a name reach a private address only when an IP rule names that address (and port)', async () => {
    const lookup = dns({ 'git.corp.example': ['10.0.0.7'] })
    const ok = await decide(rules('git.corp.example', '10.0.0.7'), 'git.corp.example', 443, lookup)
    expect(ok).toMatchObject({ allow: true, rule: { text: 'git.corp.example' }, addresses: ['10.0.0.7'] })
    const wrongPort = await decide(rules('git.corp.example', '10.0.0.7:22'), 'git.corp.example', 443, lookup)
    expect(wrongPort.allow).toBe(false)
  })

  it('never lets loopback through, even when a name resolves there and an IP rule exists', async () => {
    const lookup = dns({ 'x.example.com': ['127.0.0.1'] })
    expect((await decide(rules('x.example.com'), 'x.example.com', 80, lookup)).allow).toBe(false)
    // 127.0.0.1 cannot be a rule; a literal request for it matches nothing.
    expect((await decide(rules('x.example.com'), '127.0.0.1', 80, lookup)).allow).toBe(false)
    expect((await decide(rules('x.example.com'), '[::ffff:127.0.0.1]', 80, lookup)).allow).toBe(false)
  })

  it('drops the non-public addresses of a mixed answer and connects only to the checked ones', async () => {
    const lookup = dns({ 'mixed.example.com': ['10.0.0.7', '93.184.215.14'] })
    const d = await decide(rules('mixed.example.com'), 'mixed.example.com', 443, lookup)
    expect(d).toMatchObject({ allow: true, addresses: ['93.184.215.14'] })
    expect(d.reason).toContain('skipped 10.0.0.7 (private)')
  })

  it('allows an IP-literal request only through an IP rule, private or not', async () => {
    const lookup = dns({})
    expect(await decide(rules('10.232.9.2:8080'), '10.232.9.2', 8080, lookup)).toMatchObject({ allow: true, addresses: ['10.232.9.2'] })
    expect((await decide(rules('10.232.9.2:8080'), '10.232.9.3', 8080, lookup)).allow).toBe(false)
    expect(lookup.calls).toEqual([])
  })

  it('answers 502 when an allowed name does not resolve, and 403 for hosts that are not hosts', async () => {
    expect(await decide(rules('gone.example.com'), 'gone.example.com', 443, dns({}))).toMatchObject({ allow: false, status: 502, reason: expect.stringContaining('ENOTFOUND') })
    expect(await decide(rules('a.com'), 'a b.com', 443, dns({}))).toMatchObject({ allow: false, status: 403, reason: expect.stringContaining('not a valid host') })
  })
})

describe('stillAllowed (after an allowlist change)', () => {
  it('keeps connections a rule still allows and drops the others', () => {
    const name = { kind: 'name' as const, host: 'api.example.com' }
    expect(stillAllowed(rules('api.example.com'), name, 443, '93.184.215.14')?.text).toBe('api.example.com')
    expect(stillAllowed(rules('other.example.com'), name, 443, '93.184.215.14')).toBeNull()
    // A name connected to a private address needed the IP rule; without it the connection goes.
    expect(stillAllowed(rules('api.example.com', '10.0.0.7'), name, 443, '10.0.0.7')).not.toBeNull()
    expect(stillAllowed(rules('api.example.com'), name, 443, '10.0.0.7')).toBeNull()
  })
})
