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

export const ManifestState = z.object({
  path: z.string(),
  text: z.string(),
  valid: z.boolean(),
  issues: z.array(ManifestIssue),
  agents: z.array(AgentSummary),
})
export type ManifestState = z.infer<typeof ManifestState>

const Text = z.object({ text: z.string().max(1 << 20) }).strict()

export const manifestMethods = {
  'manifest.get': method(Empty, ManifestState, 'The manifest file, its validation and its agents'),
  'manifest.validate': method(
    Text,
    z.object({ valid: z.boolean(), issues: z.array(ManifestIssue) }),
    'Validate manifest text without saving it',
  ),
  'manifest.save': method(
    Text,
    ManifestState,
    'Validate and save; refused with INVALID_PARAMS (details.issues) when invalid',
  ),
} as const
