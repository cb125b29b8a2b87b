import { z } from 'zod'
import { method, topic } from '../rpc/define'
import { AgentName, Empty, GuestPath, HostPath, IsoTime, Ok, RpcErrorShape, Slug } from './common'

export const BottleState = z.enum(['launching', 'running', 'stopping', 'stopped', 'failed'])
export type BottleState = z.infer<typeof BottleState>

/** Launch steps in boot order (the dashboard's boot timeline). */
export const StepId = z.enum([
  'pack',
  'network',
  'bundle',
  'create',
  'start',
  'workspace',
  'selftest',
  'session',
])
export type StepId = z.infer<typeof StepId>

export const StepState = z.enum(['pending', 'running', 'done', 'failed', 'skipped', 'cancelled'])
export type StepState = z.infer<typeof StepState>

export const LaunchStep = z.object({
  id: StepId,
  label: z.string(),
  state: StepState,
  startedAt: IsoTime.nullable(),
  endedAt: IsoTime.nullable(),
  /** Free text about the step's outcome (e.g. "cache hit", probe results). */
  detail: z.string().nullable(),
  error: RpcErrorShape.nullable(),
})
export type LaunchStep = z.infer<typeof LaunchStep>

export const EnvEntry = z.object({
  key: z.string(),
  /** Secret values are masked before they leave the backend. */
  value: z.string(),
  secret: z.boolean(),
})

export const BottleNetwork = z.object({
  name: z.string(),
  subnet: z.string(),
  gateway: z.string(),
  bundleIp: z.string(),
})

export const Bottle = z.object({
  id: Slug,
  agent: z.string(),
  projectDir: z.string(),
  copyWorkdir: z.boolean(),
  machineName: z.string(),
  workdir: z.string(),
  state: BottleState,
  /** Why the bottle is in its state (e.g. "bundle container exited (code 137)"). */
  stateDetail: z.string().nullable(),
  createdAt: IsoTime,
  /** When the bottle became running. */
  startedAt: IsoTime.nullable(),
  endedAt: IsoTime.nullable(),
  network: BottleNetwork.nullable(),
  bundle: z.object({ container: z.string(), image: z.string() }).nullable(),
  pack: z
    .object({ imageRef: z.string(), digest: z.string().nullable(), path: z.string() })
    .nullable(),
  env: z.array(EnvEntry),
  egress: z.array(z.string()),
  smolvmVersion: z.string().nullable(),
  steps: z.array(LaunchStep),
  error: RpcErrorShape.nullable(),
})
export type Bottle = z.infer<typeof Bottle>

export const TeardownReason = z.enum([
  /** The user stopped or removed the bottle. */
  'stopped',
  /** The agent session ended; the bottle was torn down after it. */
  'session-ended',
  /** The VM stopped without being asked to. */
  'vm-died',
  /** The bundle container exited without being asked to. */
  'bundle-died',
  'launch-failed',
  'cancelled',
])
export type TeardownReason = z.infer<typeof TeardownReason>

export const Teardown = z.object({
  id: Slug,
  reason: TeardownReason,
  /** One line: why it ended, in words. */
  detail: z.string(),
  agent: z.string(),
  projectDir: z.string(),
  /** How long the bottle was running, 0 if it never ran. */
  ranForMs: z.number().nonnegative(),
  exitCode: z.number().int().nullable(),
  failedStep: StepId.nullable(),
  time: IsoTime,
})
export type Teardown = z.infer<typeof Teardown>

export const Orphan = z.object({
  id: z.string(),
  kind: z.enum(['machine', 'container', 'network', 'metadata']),
  name: z.string(),
  slug: z.string().nullable(),
  detail: z.string(),
})
export type Orphan = z.infer<typeof Orphan>

export const BottleEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('snapshot'), bottles: z.array(Bottle), orphans: z.array(Orphan) }),
  z.object({ kind: z.literal('upsert'), bottle: Bottle }),
  z.object({ kind: z.literal('removed'), id: Slug }),
  z.object({ kind: z.literal('step'), id: Slug, step: LaunchStep }),
  z.object({ kind: z.literal('teardown'), teardown: Teardown }),
  z.object({ kind: z.literal('orphans'), orphans: z.array(Orphan) }),
])
export type BottleEvent = z.infer<typeof BottleEvent>

export const LogSource = z.enum(['bundle', 'console', 'backend'])
export type LogSource = z.infer<typeof LogSource>

export const LogLine = z.object({
  time: IsoTime,
  source: LogSource,
  text: z.string(),
})
export type LogLine = z.infer<typeof LogLine>

export const ExecResult = z.object({
  exitCode: z.number().int(),
  stdout: z.string(),
  stderr: z.string(),
})
export type ExecResult = z.infer<typeof ExecResult>

const ById = z.object({ id: Slug }).strict()

export const LaunchParams = z
  .object({
    agent: AgentName,
    projectDir: HostPath,
    copyWorkdir: z.boolean().default(false),
  })
  .strict()
export type LaunchParams = z.infer<typeof LaunchParams>

export const bottleMethods = {
  'bottles.list': method(Empty, z.array(Bottle), 'All bottles the backend knows'),
  'bottles.get': method(ById, Bottle, 'One bottle'),
  'bottles.launch': method(
    LaunchParams,
    Bottle,
    'Start launching a bottle; progress arrives on bottles.events',
  ),
  'bottles.retry': method(ById, Bottle, 'Launch again with the parameters of a failed bottle'),
  'bottles.cancel': method(
    ById,
    Ok,
    'Cancel a launch in progress; everything created is torn down',
  ),
  'bottles.stop': method(
    ById,
    Ok,
    'Stop a bottle: sessions, VM, bundle, network, in reverse order',
  ),
  'bottles.remove': method(ById, Ok, 'Stop if needed and forget the bottle'),
  'bottles.exec': method(
    z
      .object({
        id: Slug,
        command: z.array(z.string().max(65536)).min(1).max(256),
        workdir: GuestPath.optional(),
        timeoutMs: z.number().int().min(100).max(3_600_000).optional(),
      })
      .strict(),
    ExecResult,
    'Run a command in the guest and capture its output',
  ),
  'bottles.cp': method(
    z
      .object({
        id: Slug,
        direction: z.enum(['in', 'out']),
        /** A destination ending in `/` (or an existing host folder) receives the source's name. */
        hostPath: HostPath,
        guestPath: GuestPath,
        /** Copy-out: replace an existing host file; without it that is CONFLICT (details.path). */
        overwrite: z.boolean().default(false),
      })
      .strict(),
    /** The paths actually used (a folder destination resolved to the file). */
    z.object({ bytes: z.number().nonnegative(), hostPath: HostPath, guestPath: GuestPath }),
    'Copy one file into or out of the guest',
  ),
  'bottles.logs': method(
    z
      .object({
        id: Slug,
        source: LogSource,
        tail: z.number().int().min(1).max(10000).default(500),
      })
      .strict(),
    z.array(LogLine),
    'The last lines of one of a bottle’s logs',
  ),
  'bottles.reconcile': method(
    Empty,
    z.object({ adopted: z.array(Slug), died: z.array(Slug), orphans: z.array(Orphan) }),
    'Match metadata with smolvm and docker now',
  ),
  'orphans.list': method(
    Empty,
    z.array(Orphan),
    'Resources without a bottle and bottles without resources',
  ),
  'orphans.clean': method(
    z.object({ ids: z.array(z.string()).optional() }).strict(),
    z.object({
      cleaned: z.array(z.string()),
      failed: z.array(z.object({ id: z.string(), message: z.string() })),
    }),
    'Remove the given orphans (all when ids is absent)',
  ),
} as const

export const bottleTopics = {
  'bottles.events': topic(
    Empty,
    BottleEvent,
    'A snapshot, then every bottle change, launch step and teardown',
  ),
  'bottles.logFollow': topic(
    z.object({ id: Slug, source: LogSource }).strict(),
    z.object({ lines: z.array(LogLine) }),
    'New lines of one of a bottle’s logs as they are written',
  ),
} as const
