import type { ContainerInfo, Docker, NetworkInfo } from '../docker/types'
import type { MachineInfo, Smolvm } from '../smolvm/types'

/** What smolvm and docker reported at one moment; a side that could not be asked is null. */
export interface Observation {
  /** When the listings were started: a bottle that changed after this is judged on the next one. */
  listedAt: number
  machines: MachineInfo[] | null
  /** This home's labelled containers. */
  containers: ContainerInfo[] | null
  /** This home's labelled networks, when asked for. */
  networks: NetworkInfo[] | null
  /** Why a side could not be asked, by `smolvm` / `docker`. */
  errors: Partial<Record<'smolvm' | 'docker', string>>
}

/** One `machine ls --json` and one labelled container listing (and network listing), side by side. */
export async function observe(o: {
  smolvm: () => Promise<Smolvm>
  docker: () => Docker
  labels: Record<string, string>
  networks: boolean
}): Promise<Observation> {
  const listedAt = Date.now()
  const errors: Observation['errors'] = {}
  const failed =
    (side: 'smolvm' | 'docker') =>
    (e: unknown): null => {
      errors[side] ??= e instanceof Error ? e.message : String(e)
      return null
    }
  const [machines, containers, networks] = await Promise.all([
    o
      .smolvm()
      .then((s) => s.machineList())
      .catch(failed('smolvm')),
    o.docker().containerList(o.labels).catch(failed('docker')),
    o.networks ? o.docker().networkList(o.labels).catch(failed('docker')) : Promise.resolve(null),
  ])
  return { listedAt, machines, containers, networks, errors }
}
