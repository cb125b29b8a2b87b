import { z } from 'zod'
import { AgentName, ImageReference } from '../../../src-shared/contract'
import { AVAILABLE_DAEMONS } from '../../../resources/bundle/src/daemons'
import type { BundleDaemon } from '../bundle/types'
import { parseRule } from '../egress/rules'
import { checkTemplate } from './interpolate'

/**
 * The manifest's schema: what a user may write in manifest.yaml. Everything
 * that ends up in a smolvm or docker argv is constrained here, so a value from
 * the file can never smuggle an option or a shell word into a command.
 */

/** Keys Bot Bottle sets in the guest itself; a manifest may not override them. */
export const RESERVED_ENV_KEYS = [
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'https_proxy',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'GIT_GATE_URL',
  'MCP_SUPERVISE_URL',
] as const

const EnvKey = z
  .string()
  .max(128, 'at most 128 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'env names are letters, digits and _, not starting with a digit',
  )
  .refine(
    (k) => !(RESERVED_ENV_KEYS as readonly string[]).includes(k),
    'set by Bot Bottle itself (the bundle’s proxy, git gate and supervise URLs)',
  )

/** A value with `${VAR}` references to the host environment; numbers and booleans are written as text. */
const Template = z
  .union([z.string(), z.number(), z.boolean()], { error: 'expected text, a number or true/false' })
  .transform((v) => String(v))
  .superRefine((v, ctx) => {
    const problem = checkTemplate(v)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

/** Validated (and made canonical) by the bundle's own matcher: the app accepts exactly what the proxy enforces. */
const EgressRule = z
  .string({ error: 'expected a host name such as api.anthropic.com' })
  .max(300)
  .transform((text, ctx) => {
    const parsed = parseRule(text)
    if (parsed.ok) return parsed.rule.text
    ctx.addIssue({ code: 'custom', message: parsed.reason })
    return z.NEVER
  })

const AbsPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')
  .refine((p) => !p.includes('\0') && !p.includes(':'), 'must not contain NUL or ":"')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."')

/** Memory in MiB: a number, or text with a unit (512M, 4G, 4GiB). */
const Memory = z
  .union([z.number(), z.string()], { error: 'expected MiB as a number, or text like 4G' })
  .transform((v, ctx) => {
    const mib = typeof v === 'number' ? v : parseMemory(v)
    if (mib === null || !Number.isInteger(mib) || mib < 256 || mib > 262144) {
      ctx.addIssue({ code: 'custom', message: 'between 256 MiB and 256 GiB, e.g. 4096 or 4G' })
      return z.NEVER
    }
    return mib
  })

export function parseMemory(text: string): number | null {
  const m = /^\s*(\d+)\s*(m|mb|mib|g|gb|gib)?\s*$/i.exec(text)
  if (!m) return null
  const n = Number(m[1])
  return (m[2] ?? 'm').toLowerCase().startsWith('g') ? n * 1024 : n
}

/** `HOST:GUEST[:ro|rw]` or `{host, guest, mode}`; mounts are read-only unless `rw`. */
const Volume = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v
    const parts = v.split(':')
    if (parts.length < 2 || parts.length > 3) return v // fails below with the expected shape
    const [host, guest, mode] = parts
    return mode === undefined ? { host, guest } : { host, guest, mode }
  },
  z
    .object(
      {
        host: Template.pipe(z.string().min(1, 'must not be empty')),
        guest: AbsPath,
        mode: z.enum(['ro', 'rw'], { error: 'ro or rw' }).optional(),
      },
      { error: 'expected HOST:GUEST[:ro|rw] or {host, guest, mode}' },
    )
    .strict()
    .transform((o) => ({ host: o.host, guest: o.guest, readOnly: o.mode !== 'rw' })),
)

/** `true` asks for a bundle daemon: refused here, not at launch, while this build lacks it. */
function bundleFeature(daemon: BundleDaemon, what: string) {
  return z
    .boolean()
    .default(false)
    .refine(
      (on) => !on || (AVAILABLE_DAEMONS as readonly string[]).includes(daemon),
      `${what} is not available in this version of Bot Bottle yet (leave it false)`,
    )
}

/** A command: a string runs through `sh -c`, a list is the argv itself. */
const Command = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)], {
    error: 'expected a command (text run by sh -c) or a list of words',
  })
  .transform((c) => (typeof c === 'string' ? ['/bin/sh', '-c', c] : c))

const StringList = z
  .union([z.string().min(1), z.array(z.string().min(1)).max(64)], {
    error: 'expected text or a list of texts',
  })
  .transform((s) => (typeof s === 'string' ? [s] : s))

export const AgentSpec = z
  .object({
    description: z.string().max(500).optional(),
    image: ImageReference,
    env: z.record(EnvKey, Template).default({}),
    egress: z.array(EgressRule).max(1000).default([]),
    git: bundleFeature('git-gate', 'the git gate'),
    supervise: bundleFeature('supervise', 'the supervise MCP server'),
    cpus: z.number().int('a whole number').min(1).max(16).default(2),
    memory: Memory.default(4096),
    volumes: z.array(Volume).max(32).default([]),
    workdir: AbsPath.default('/workspace'),
    /** Shell commands run once per bottle, before the first session, through the bundle's proxy. */
    setup: StringList.default([]),
    /** The agent session's command. */
    session: Command.default(['/bin/sh', '-l']),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>()
    a.volumes.forEach((v, i) => {
      if (seen.has(v.guest))
        ctx.addIssue({
          code: 'custom',
          path: ['volumes', i, 'guest'],
          message: `${v.guest} is mounted twice`,
        })
      seen.add(v.guest)
    })
  })
export type AgentSpec = z.output<typeof AgentSpec>

export const ManifestSchema = z
  .object({
    version: z.literal(1, { error: 'the only manifest version is 1' }).default(1),
    agents: z.record(AgentName, AgentSpec, { error: 'expected a map of agent names to agents' }),
  })
  .strict()
export type Manifest = z.output<typeof ManifestSchema>
