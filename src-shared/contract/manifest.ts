import { z } from 'zod'
import { method } from '../rpc/define'
import { Empty } from './common'

export const ManifestIssue = z.object({
  /** Dotted path inside the document, e.g. `agents.claude.env.FOO`. */
  path: z.string(),
  message: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
})
export type ManifestIssue = z.infer<typeof ManifestIssue>

export const AgentSummary = z.object({
  name: z.string(),
  description: z.string().nullable(),
  image: z.string(),
  egress: z.array(z.string()),
  git: z.boolean(),
  supervise: z.boolean(),
  cpus: z.number().int(),
  memoryMib: z.number().int(),
})
export type AgentSummary = z.infer<typeof AgentSummary>

/**
 * Which bytes of the file a state was read from (a sha256 of them; opaque to
 * clients): a save names the version it edits, so a change made on disk
 * meanwhile is never overwritten unseen.
 */
export const ManifestVersion = z.string().min(1).max(128)

export const ManifestState = z.object({
  path: z.string(),
  text: z.string(),
  version: ManifestVersion,
  valid: z.boolean(),
  issues: z.array(ManifestIssue),
  agents: z.array(AgentSummary),
})
export type ManifestState = z.infer<typeof ManifestState>

const Text = z.string().max(1 << 20)

export const manifestMethods = {
  'manifest.get': method(Empty, ManifestState, 'The manifest file, its validation and its agents'),
  'manifest.validate': method(
    z.object({ text: Text }).strict(),
    z.object({ valid: z.boolean(), issues: z.array(ManifestIssue) }),
    'Validate manifest text without saving it',
  ),
  'manifest.save': method(
    z.object({ text: Text, baseVersion: ManifestVersion }).strict(),
    ManifestState,
    'Validate and save; refused with INVALID_PARAMS (details.issues) when invalid, and with ' +
      'CONFLICT when the file is no longer at baseVersion (it changed on disk since it was read)',
  ),
} as const
