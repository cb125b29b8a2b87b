import { describe, expect, it } from 'vitest'
import { classifyAddress } from './address'
import { findRule, normalizeTarget, parseRule, parseRules, type Rule } from './rules'

function rules(...texts: string[]): Rule[] {
  const { rules: parsed, invalid } = parseRules(texts)
  expect(invalid).toEqual([])
  return parsed
}

function allows(list: Rule[], host: string, port: number): string | null {
  const target = normalizeTarget(host)
  return target ? (findRule(list, target, port)?.text ?? null) : null
}

function reason(text: string): string {
  const r = parseRule(text)
  if (r.ok) throw new Error(`${text} parsed as ${r.rule.text}`)
  return r.reason
}

describe('rule parsing', () => {
  it('normalizes case, trailing dots and IDN to one canonical text', () => {
    expect(parseRule('API.Anthropic.COM.')).toMatchObject({ ok: true, rule: { text: 'api.anthropic.com', kind: 'host', port: null } })
    expect(parseRule('Bücher.de')).toMatchObject({ ok: true, rule: { text: 'xn--bcher-kva.de' } })
    expect(parseRule('*.BÜCHER.de.:8443')).toMatchObject({ ok: true, rule: { text: '*.xn--bcher-kva.de:8443', kind: 'wildcard', host: 'xn--bcher-kva.de', port: 8443 } })
    expect(parseRule('  example.com:443 ')).toMatchObject({ ok: true, rule: { text: 'example.com:443', port: 443 } })
  })

  it('parses IP literals, IPv6 with brackets for a port, IPv4-mapped as IPv4', () => {
    expect(parseRule('10.0.0.5')).toMatchObject({ ok: true, rule: { text: '10.0.0.5', kind: 'ip' } })
    expect(parseRule('10.0.0.5:8080')).toMatchObject({ ok: true, rule: { text: '10.0.0.5:8080', port: 8080 } })
    expect(parseRule('2001:DB8::1')).toMatchObject({ ok: true, rule: { text: '2001:db8::1', kind: 'ip', port: null } })
    expect(parseRule('[2001:db8:0::1]:443')).toMatchObject({ ok: true, rule: { text: '[2001:db8::1]:443', port: 443 } })
    expect(parseRule('::ffff:10.1.2.3')).toMatchObject({ ok: true, rule: { text: '10.1.2.3' } })
  })

  it('rejects what is not a rule, saying why', () => {
    expect(reason('')).toBe('empty rule')
    expect(reason('https://api.example.com/v1')).toMatch(/not a URL/)
    expect(reason('example.com/path')).toMatch(/no path/)
    expect(reason('user@example.com')).toMatch(/user info/)
    expect(reason('10.0.0.0/8')).toMatch(/CIDR/)
    expect(reason('exa mple.com')).toMatch(/whitespace/)
    expect(reason('*')).toMatch(/every host/)
    expect(reason('*.com')).toMatch(/top-level domain/)
    expect(reason('*.*.example.com')).toMatch(/one leading/)
    expect(reason('api.*.example.com')).toMatch(/leading \*\./)
    expect(reason('*.10.0.0.1')).toMatch(/four decimal|top-level/)
    expect(reason('example.com:0')).toMatch(/1 to 65535/)
    expect(reason('example.com:65536')).toMatch(/1 to 65535/)
    expect(reason('example.com:http')).toMatch(/1 to 65535/)
    expect(reason('a..example.com')).toMatch(/empty label/)
    expect(reason('-bad.example.com')).toMatch(/hyphen/)
    expect(reason('under_score.example.com')).toMatch(/letters, digits and hyphens/)
    expect(reason(`${'a'.repeat(64)}.com`)).toMatch(/63/)
    expect(reason('0x7f.1')).toMatch(/four decimal/)
    expect(reason('2130706433')).toMatch(/four decimal/)
    expect(reason('[10.0.0.1]:80')).toMatch(/IPv6/)
    expect(reason('2001:db8::zz')).toMatch(/IPv6/)
  })

  it('refuses rules that could only reach the bundle itself', () => {
    expect(reason('127.0.0.1')).toMatch(/loopback/)
    expect(reason('127.1.2.3:9099')).toMatch(/loopback/)
    expect(reason('[::1]:9099')).toMatch(/loopback/)
    expect(reason('0.0.0.0')).toMatch(/unspecified/)
    expect(reason('localhost')).toMatch(/bundle itself/)
    expect(reason('api.localhost')).toMatch(/bundle itself/)
  })

  it('lists every invalid rule of a list and deduplicates the valid ones', () => {
    const { rules: ok, invalid } = parseRules(['a.com', 'A.com.', '*.com', 'b.com:99999'])
    expect(ok.map((r) => r.text)).toEqual(['a.com'])
    expect(invalid.map((i) => i.rule)).toEqual(['*.com', 'b.com:99999'])
  })
})

describe('matching', () => {
  it('matches exact hosts regardless of case, trailing dot or IDN form', () => {
    const list = rules('api.anthropic.com', 'bücher.de')
    expect(allows(list, 'API.ANTHROPIC.COM', 443)).toBe('api.anthropic.com')
    expect(allows(list, 'api.anthropic.com.', 443)).toBe('api.anthropic.com')
    expect(allows(list, 'xn--bcher-kva.de', 443)).toBe('xn--bcher-kva.de')
    expect(allows(list, 'BÜCHER.de', 80)).toBe('xn--bcher-kva.de')
    expect(allows(list, 'anthropic.com', 443)).toBeNull()
    expect(allows(list, 'x.api.anthropic.com', 443)).toBeNull()
  })

  it('wildcards match subdomains only: never the apex, never a lookalike suffix', () => {
    const list = rules('*.example.com')
    expect(allows(list, 'a.example.com', 443)).toBe('*.example.com')
    expect(allows(list, 'a.b.example.com', 443)).toBe('*.example.com')
    expect(allows(list, 'example.com', 443)).toBeNull()
    expect(allows(list, 'evilexample.com', 443)).toBeNull()
    expect(allows(list, 'a.evilexample.com', 443)).toBeNull()
    expect(allows(list, 'example.com.evil.net', 443)).toBeNull()
    expect(allows(list, 'aexample.com', 443)).toBeNull()
  })

  it('prefers the exact rule over a wildcard, and names it', () => {
    const list = rules('*.example.com', 'api.example.com')
    expect(allows(list, 'api.example.com', 443)).toBe('api.example.com')
  })

  it('without a port allows 80 and 443 only; with one, only that port', () => {
    const list = rules('a.com', 'b.com:8443', '10.1.1.1:5432', '[2001:db8::1]:22')
    expect(allows(list, 'a.com', 80)).toBe('a.com')
    expect(allows(list, 'a.com', 443)).toBe('a.com')
    expect(allows(list, 'a.com', 22)).toBeNull()
    expect(allows(list, 'b.com', 8443)).toBe('b.com:8443')
    expect(allows(list, 'b.com', 443)).toBeNull()
    expect(allows(list, '10.1.1.1', 5432)).toBe('10.1.1.1:5432')
    expect(allows(list, '[2001:db8::1]', 22)).toBe('[2001:db8::1]:22')
  })

  it('IP rules match IP literals in any spelling a resolver accepts, and never names', () => {
    const list = rules('10.0.0.5')
    expect(allows(list, '10.0.0.5', 443)).toBe('10.0.0.5')
    expect(allows(list, '0x0a.0.0.5', 443)).toBe('10.0.0.5')
    expect(allows(list, '167772165', 443)).toBe('10.0.0.5')
    expect(allows(list, '[::ffff:10.0.0.5]', 443)).toBe('10.0.0.5')
    expect(allows(list, '10.0.0.6', 443)).toBeNull()
    expect(allows(rules('example.com'), '93.184.215.14', 443)).toBeNull()
  })

  it('treats hosts that are not hosts as unmatched', () => {
    expect(normalizeTarget('exa mple.com')).toBeNull()
    expect(normalizeTarget('a..b')).toBeNull()
    expect(normalizeTarget('fe80::1%eth0')).toBeNull()
    expect(normalizeTarget('[::1]')).toEqual({ kind: 'ip', host: '::1' })
    expect(normalizeTarget('2130706433')).toEqual({ kind: 'ip', host: '127.0.0.1' })
  })
})

describe('address classification', () => {
  const verdict = (ip: string): string => {
    const c = classifyAddress(ip)
    return `${c.verdict}:${c.label}`
  }

  it('never: loopback, unspecified, multicast, broadcast', () => {
    expect(verdict('127.0.0.1')).toBe('never:loopback')
    expect(verdict('127.9.9.9')).toBe('never:loopback')
    expect(verdict('::1')).toBe('never:loopback')
    expect(verdict('::ffff:127.0.0.1')).toBe('never:loopback')
    expect(verdict('0.0.0.0')).toBe('never:unspecified')
    expect(verdict('::')).toBe('never:unspecified')
    expect(verdict('224.0.0.1')).toBe('never:multicast')
    expect(verdict('255.255.255.255')).toBe('never:broadcast')
  })

  it('guarded: private, CGNAT, link-local, metadata, ULA, reserved and NAT64 of those', () => {
    expect(verdict('10.1.2.3')).toBe('guarded:private')
    expect(verdict('172.16.0.1')).toBe('guarded:private')
    expect(verdict('192.168.1.1')).toBe('guarded:private')
    expect(verdict('100.64.0.1')).toBe('guarded:carrier-grade NAT')
    expect(verdict('169.254.1.1')).toBe('guarded:link-local')
    expect(verdict('169.254.169.254')).toBe('guarded:cloud metadata')
    expect(verdict('fd00:ec2::254')).toBe('guarded:cloud metadata')
    expect(verdict('100.100.100.200')).toBe('guarded:cloud metadata')
    expect(verdict('fd12:3456::1')).toBe('guarded:unique local (ULA)')
    expect(verdict('fe80::1')).toBe('guarded:link-local')
    expect(verdict('192.0.2.10')).toBe('guarded:reserved')
    expect(verdict('64:ff9b::a00:1')).toBe('guarded:NAT64 of 10.0.0.1 (private)')
    expect(verdict('64:ff9b::7f00:1')).toBe('never:NAT64 of 127.0.0.1 (loopback)')
    expect(verdict('2002:a00:1::1')).toMatch(/^guarded:/)
  })

  it('public: globally routable unicast (and NAT64 of it)', () => {
    expect(verdict('93.184.215.14')).toBe('public:public')
    expect(verdict('2606:4700::6810:84e5')).toBe('public:public')
    expect(verdict('64:ff9b::5db8:d70e')).toBe('public:NAT64 of 93.184.215.14 (public)')
  })
})
