import { setTimeout as sleep } from 'node:timers/promises'
import type { Smolvm } from '../smolvm/types'

/** Kills a machine's VMM (the VM dies under the app) and waits until smolvm no longer reports it running. */
export async function killVm(smolvm: Smolvm, name: string): Promise<void> {
  const vm = (await smolvm.machineList()).find((m) => m.name === name)
  if (!vm?.pid) throw new Error(`${name} is not running`)
  process.kill(vm.pid, 'SIGKILL')
  for (let i = 0; i < 200; i++) {
    if ((await smolvm.machineList()).find((m) => m.name === name)?.state !== 'running') return
    await sleep(25)
  }
  throw new Error(`${name} still reads running after its VMM was killed`)
}
