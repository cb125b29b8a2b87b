import type { LaunchStep, StepId } from '../../../src-shared/contract'
import { RpcError, isRpcError, type RpcErrorShape } from '../../../src-shared/rpc/errors'
import type { CommandRunner } from '../base/exec'
import type { Logger } from '../base/logger'
import type { RecordKeeper } from '../bottles/record-keeper'
import { BUNDLE_STOP_TIMEOUT_SEC } from '../bundle/container-config'
import type { BundleDaemon } from '../bundle/types'
import type { Docker } from '../docker/types'
import type { PackCache } from '../pack/pack-cache'
import { maskedEnv } from '../plan/guest-env'
import { resourceLabels } from '../plan/names'
import { planEnv, type BottlePlan } from '../plan/plan'
import { isPoolOverlap, type SubnetAllocator, type SubnetChoice } from '../plan/subnet'
import type { GuestEnvVar, Smolvm } from '../smolvm/types'
import { copyWorkdir, ensureGuestDir } from '../workspace/copy-workdir'
import type { BundleStarter } from './bundle-starter'
import type { BeforeStep, StepContext, StepImpl, StepOutcome } from './steps'

export interface LaunchDeps {
  keeper: RecordKeeper
  smolvm: Smolvm
  docker: Docker
  packCache: PackCache
  subnets: SubnetAllocator
  bundle: BundleStarter
  runner: CommandRunner
  homeId: string
  log: Logger
  /** The isolation self-test; absent until provided (the step is then skipped, never faked). */
  selftest?: StepImpl
  /** Runs as each step starts; throwing fails that step (observers, fault injection). */
  beforeStep?: BeforeStep
}

const SETUP_TIMEOUT_MS = 20 * 60_000
const CHECK_TIMEOUT_MS = 30_000
/** How many subnets to try when docker reports overlaps that our listing did not show. */
const MAX_SUBNET_TRIES = 16

/**
 * Carries out a plan: pack ∥ (network → bundle), then create → start →
 * workspace → selftest → session. Every resource is recorded before it is
 * created; on failure or cancel the caller tears down what the record holds.
 * Resolves when the bottle is ready; rejects with the first real failure
 * (a cancel rejects with CANCELLED).
 */
export async function runLaunch(
  plan: BottlePlan,
  deps: LaunchDeps,
  signal: AbortSignal,
): Promise<void> {
  const run = new LaunchRun(plan, deps, signal)
  await run.execute()
}

class LaunchRun {
  private sidecar: string | null = null
  private subnet: SubnetChoice
  private env: GuestEnvVar[]
  /** Stops the sibling branch when one branch fails. */
  private readonly inner = new AbortController()
  private readonly signal: AbortSignal

  constructor(
    private readonly plan: BottlePlan,
    private readonly deps: LaunchDeps,
    outer: AbortSignal,
  ) {
    this.subnet = plan.subnet
    this.env = planEnv(plan, plan.subnet.bundleIp)
    this.signal = AbortSignal.any([outer, this.inner.signal])
  }

  private get id(): string {
    return this.plan.id
  }

  async execute(): Promise<void> {
    const branches = await Promise.allSettled([
      this.step('pack', () => this.pack()),
      this.step('network', () => this.network()).then(() =>
        this.step('bundle', () => this.startBundle()),
      ),
    ])
    if (branches.some((b) => b.status === 'rejected')) throw this.firstRealFailure(branches)
    await this.step('create', () => this.create())
    await this.step('start', () => this.start())
    await this.step('workspace', () => this.workspace())
    await this.step('selftest', () =>
      this.deps.selftest ? this.deps.selftest(this.context()) : skipped('not configured'),
    )
    await this.step('session', () => this.session())
  }

  /** A branch cancelled because its sibling failed is not the cause: report the sibling's error. */
  private firstRealFailure(results: PromiseSettledResult<unknown>[]): unknown {
    const errors = results
      .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      .map((r) => r.reason)
    return errors.find((e) => !(isRpcError(e) && e.code === 'CANCELLED')) ?? errors[0]
  }

  private async step(id: StepId, body: () => Promise<StepOutcome>): Promise<void> {
    const started = new Date().toISOString()
    const base = this.deps.keeper.get(this.id).bottle.steps.find((s) => s.id === id) as LaunchStep
    this.signal.throwIfAborted()
    await this.deps.keeper.setStep(this.id, {
      ...base,
      state: 'running',
      startedAt: started,
      endedAt: null,
      detail: null,
      error: null,
    })
    this.deps.log.info(`${base.label}…`, this.id)
    try {
      await this.deps.beforeStep?.({
        bottleId: this.id,
        projectDir: this.plan.projectDir,
        step: id,
        signal: this.signal,
      })
      const outcome = await body()
      this.signal.throwIfAborted()
      await this.deps.keeper.setStep(this.id, {
        ...base,
        state: outcome.skipped ? 'skipped' : 'done',
        startedAt: started,
        endedAt: new Date().toISOString(),
        detail: outcome.detail,
        error: null,
      })
      this.deps.log.info(
        `${base.label}: ${outcome.skipped ? 'skipped' : 'done'}${outcome.detail ? ` (${outcome.detail})` : ''}`,
        this.id,
      )
    } catch (e) {
      const cancelled = this.signal.aborted
      const error = cancelled ? cancelledShape(this.signal) : errorShape(e)
      await this.deps.keeper.setStep(this.id, {
        ...base,
        state: cancelled ? 'cancelled' : 'failed',
        startedAt: started,
        endedAt: new Date().toISOString(),
        detail: null,
        error,
      })
      if (!cancelled) this.deps.log.error(`${base.label} failed: ${error.message}`, this.id)
      this.inner.abort(new RpcError('CANCELLED', `cancelled: ${base.label} failed`))
      throw cancelled ? RpcError.from(error) : toRpcError(e)
    }
  }

  private async pack(): Promise<StepOutcome> {
    const { entry, note } = await this.deps.packCache.ensure(this.plan.agent.image, this.signal)
    this.sidecar = entry.sidecar
    await this.deps.keeper.patch(this.id, (r) => ({
      ...r,
      bottle: {
        ...r.bottle,
        pack: { imageRef: entry.imageRef, digest: entry.digest, path: entry.sidecar },
      },
    }))
    return { detail: note }
  }

  private async network(): Promise<StepOutcome> {
    const { docker, subnets, keeper } = this.deps
    const name = this.plan.names.network
    const tried = new Set<string>()
    for (let attempt = 1; ; attempt++) {
      this.signal.throwIfAborted()
      await keeper.resourceIntent(this.id, { kind: 'network', name })
      try {
        await docker.networkCreate({
          name,
          subnet: this.subnet.subnet,
          gateway: this.subnet.gateway,
          ipRange: this.subnet.ipRange,
          bridgeName: this.plan.names.bridge,
          labels: resourceLabels(this.id, this.deps.homeId, 'network'),
        })
        break
      } catch (e) {
        if (!isPoolOverlap(e) || attempt >= MAX_SUBNET_TRIES) throw e
        // Another process (or a network we could not see) took it: the next candidate.
        this.deps.log.info(
          `${this.subnet.subnet} overlaps another docker network, trying the next one`,
          this.id,
        )
        tried.add(this.subnet.subnet)
        this.subnet = subnets.reserve(this.id, await docker.allSubnets(), tried)
      }
    }
    await keeper.resourceCreated(this.id, { kind: 'network', name })
    this.env = planEnv(this.plan, this.subnet.bundleIp)
    await keeper.patch(this.id, (r) => ({
      ...r,
      bottle: {
        ...r.bottle,
        network: {
          name,
          subnet: this.subnet.subnet,
          gateway: this.subnet.gateway,
          bundleIp: this.subnet.bundleIp,
        },
        env: maskedEnv(this.env),
      },
    }))
    return { detail: `${this.subnet.subnet}, bundle at ${this.subnet.bundleIp}` }
  }

  private async startBundle(): Promise<StepOutcome> {
    const { docker, bundle, keeper } = this.deps
    const container = this.plan.names.bundle
    const image = await bundle.ensureImage(this.signal)
    this.signal.throwIfAborted()
    const daemons: BundleDaemon[] = ['egress']
    if (this.plan.agent.git) daemons.push('git-gate')
    if (this.plan.agent.supervise) daemons.push('supervise')
    const config = bundle.containerConfig({ image, daemons, allowlist: this.plan.agent.egress })
    await keeper.resourceIntent(this.id, { kind: 'container', name: container })
    await docker.containerRun({
      name: container,
      image: config.image,
      network: this.plan.names.network,
      ip: this.subnet.bundleIp,
      labels: resourceLabels(this.id, this.deps.homeId, 'bundle'),
      env: config.env,
      command: config.command,
      stopTimeoutSec: BUNDLE_STOP_TIMEOUT_SEC,
      extraArgs: config.extraArgs,
    })
    await keeper.resourceCreated(this.id, { kind: 'container', name: container })
    await keeper.patch(this.id, (r) => ({
      ...r,
      bottle: { ...r.bottle, bundle: { container, image: config.image } },
    }))
    this.signal.throwIfAborted()
    await bundle.waitReady({ docker, container, ip: this.subnet.bundleIp, signal: this.signal })
    return {
      detail: `${daemons.join(', ')} on ${this.subnet.bundleIp}; ${this.plan.agent.egress.length} hosts allowed`,
    }
  }

  private async create(): Promise<StepOutcome> {
    const { smolvm, keeper } = this.deps
    const name = this.plan.names.machine
    if (!this.sidecar) throw new RpcError('INTERNAL', 'create ran before pack')
    await keeper.resourceIntent(this.id, { kind: 'machine', name })
    await smolvm.machineCreate({
      name,
      from: this.sidecar,
      allowCidrs: [`${this.subnet.bundleIp}/32`],
      // smolvm stores create's `-e` values in its database and shows them in
      // `machine ls -v`: secrets reach the guest with each exec and session instead.
      env: this.env.filter((v) => !v.secret),
      cpus: this.plan.agent.cpus,
      memoryMib: this.plan.agent.memory,
      volumes: this.plan.volumes,
      workdir: this.plan.agent.workdir,
      signal: this.signal,
    })
    await keeper.resourceCreated(this.id, { kind: 'machine', name })
    const mounts = this.plan.volumes.length ? `, ${this.plan.volumes.length} mount(s)` : ''
    return {
      detail: `${this.plan.agent.cpus} CPUs, ${this.plan.agent.memory} MiB, egress only to ${this.subnet.bundleIp}/32${mounts}`,
    }
  }

  private async start(): Promise<StepOutcome> {
    await this.deps.smolvm.machineStart(this.plan.names.machine, { signal: this.signal })
    return { detail: null }
  }

  private async workspace(): Promise<StepOutcome> {
    const target = {
      smolvm: this.deps.smolvm,
      machine: this.plan.names.machine,
      workdir: this.plan.agent.workdir,
      env: this.env,
      signal: this.signal,
    }
    await ensureGuestDir(target)
    if (!this.plan.copyWorkdir) return { detail: `${this.plan.agent.workdir} (project not copied)` }
    const { files, bytes } = await copyWorkdir(this.plan.projectDir, {
      ...target,
      runner: this.deps.runner,
    })
    return { detail: `copied ${files} files (${formatBytes(bytes)}) to ${this.plan.agent.workdir}` }
  }

  /** Runs the manifest's one-time setup, then checks the session command exists in the guest. */
  private async session(): Promise<StepOutcome> {
    const parts: string[] = []
    const record = this.deps.keeper.get(this.id)
    if (!record.setupDone && this.plan.agent.setup.length) {
      const started = Date.now()
      for (const command of this.plan.agent.setup) {
        const r = await this.exec(['/bin/sh', '-c', command], { timeoutMs: SETUP_TIMEOUT_MS })
        if (r.exitCode !== 0) {
          throw new RpcError(
            'COMMAND_FAILED',
            `setup command failed (exit ${r.exitCode}): ${command}`,
            {
              command,
              exitCode: r.exitCode,
              stderr: (r.stderr || r.stdout).slice(-8000),
            },
          )
        }
      }
      parts.push(`setup done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    }
    await this.deps.keeper.patch(this.id, (r) => ({ ...r, setupDone: true }), false)
    const program = this.plan.agent.session[0] as string
    if (program !== '/bin/sh') {
      const r = await this.exec(['/bin/sh', '-c', 'command -v "$1"', 'sh', program], {
        timeoutMs: CHECK_TIMEOUT_MS,
      })
      if (r.exitCode !== 0) {
        throw new RpcError(
          'PRECONDITION',
          `the session command “${program}” is not installed in the guest: add its install to the agent’s setup`,
        )
      }
      parts.push(`${program} at ${r.stdout.trim()}`)
    }
    return { detail: parts.join('; ') || null }
  }

  private exec(
    argv: readonly string[],
    o: { workdir?: string; timeoutMs?: number; input?: string | Buffer },
  ) {
    return this.deps.smolvm.exec(this.plan.names.machine, argv, {
      workdir: o.workdir ?? this.plan.agent.workdir,
      env: this.env,
      timeoutMs: o.timeoutMs ?? CHECK_TIMEOUT_MS,
      input: o.input,
      signal: this.signal,
    })
  }

  private context(): StepContext {
    return {
      bottle: this.deps.keeper.get(this.id).bottle,
      exec: (argv, o = {}) => this.exec(argv, o),
      egress: this.plan.agent.egress,
      smolvm: this.deps.smolvm,
      docker: this.deps.docker,
      signal: this.signal,
      log: this.deps.log,
    }
  }
}

function skipped(detail: string): Promise<StepOutcome> {
  return Promise.resolve({ detail, skipped: true })
}

export function errorShape(e: unknown): RpcErrorShape {
  return toRpcError(e).toShape()
}

function toRpcError(e: unknown): RpcError {
  if (isRpcError(e)) return e
  return new RpcError('INTERNAL', e instanceof Error ? e.message : String(e))
}

function cancelledShape(signal: AbortSignal): RpcErrorShape {
  const reason: unknown = signal.reason
  return isRpcError(reason) ? reason.toShape() : { code: 'CANCELLED', message: 'cancelled' }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}
