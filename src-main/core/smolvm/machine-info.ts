import { z } from 'zod'
import type { MachineInfo } from './types'

/**
 * One element of `machine ls --json` / the object of `status --json`
 * (`machine_status_json`, v0.8.2; later releases only add keys). The keys the
 * app relies on are required, so a smolvm that renames them fails loudly here
 * instead of showing every machine as stopped.
 */
const MachineJson = z.looseObject({
  name: z.string().min(1),
  state: z.string().min(1),
  pid: z.number().int().nullable(),
  ephemeral: z.boolean(),
  cpus: z.number().nullable().optional(),
  memory_mib: z.number().nullable().optional(),
  created_at: z.number().nullable().optional(),
  image: z.string().nullable().optional(),
  network: z.boolean().optional(),
})

function toInfo(m: z.infer<typeof MachineJson>): MachineInfo {
  return {
    name: m.name,
    state: m.state,
    pid: m.pid,
    cpus: m.cpus ?? null,
    memoryMib: m.memory_mib ?? null,
    createdAt: m.created_at ?? null,
    image: m.image ?? null,
    ephemeral: m.ephemeral,
    network: m.network ?? false,
    raw: m,
  }
}

function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout)
  } catch {
    throw new Error(`${what}: output is not JSON: ${JSON.stringify(stdout.trim().slice(0, 200))}`)
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ')
}

/** `machine ls --json`: every persistent machine (ephemeral `machine run` VMs left out). */
export function parseMachineList(stdout: string, smolvmVersion?: string): MachineInfo[] {
  const what = `smolvm${smolvmVersion ? ` ${smolvmVersion}` : ''} machine ls --json`
  const parsed = z.array(MachineJson).safeParse(parseJson(stdout, what))
  if (!parsed.success)
    throw new Error(`${what}: unexpected shape (${describeIssues(parsed.error)})`)
  return parsed.data.filter((m) => !m.ephemeral).map(toInfo)
}

/** `machine status --name N --json`: one object of the same shape. */
export function parseMachineStatus(stdout: string, smolvmVersion?: string): MachineInfo {
  const what = `smolvm${smolvmVersion ? ` ${smolvmVersion}` : ''} machine status --json`
  const parsed = MachineJson.safeParse(parseJson(stdout, what))
  if (!parsed.success)
    throw new Error(`${what}: unexpected shape (${describeIssues(parsed.error)})`)
  return toInfo(parsed.data)
}
