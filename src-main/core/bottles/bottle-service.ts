import { stat } from 'node:fs/promises'
import type { z } from 'zod'
import {
  LaunchParams,
  type Bottle,
  type BottleEvent,
  type ExecResult,
  type LogLine,
  type LogSource,
  type PreflightReport,
  type SessionKind,
  type TeardownReason,
} from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { CommandRunner } from '../base/exec'
import type { Disposable, Event } from '../base/lifecycle'
import type { LogHub, Logger } from '../base/logger'
import type { Docker } from '../docker/types'
import type { BundleStarter } from '../launch/bundle-starter'
import { errorShape, runLaunch } from '../launch/launch-run'
import { initialSteps, type BeforeStep, type StepImpl } from '../launch/steps'
import type { ManifestService } from '../manifest/manifest-service'
import type { PackCache } from '../pack/pack-cache'
import { maskedEnv, resolveAgentEnv } from '../plan/guest-env'
import { homeLabels, newSlug, resourceNames } from '../plan/names'
import { createPlan, planEnv, type BottlePlan } from '../plan/plan'
import type { SubnetAllocator } from '../plan/subnet'
import type { GuestEnvVar, PtyCommand, Smolvm } from '../smolvm/types'
import { followBottleLog, readBottleLog } from './bottle-logs'
import type { BottleRecord } from './metadata'
import type { RecordKeeper } from './record-keeper'
import type { SecretRegistry } from './secret-registry'
import { teardownResources } from './teardown'

/** Late-bound collaborators: the composition root (or a later issue) plugs them in. */
export interface BottleHooks {
  /** The `selftest` launch step. Until one is provided the step is skipped ("not configured"). */
  selftest?: StepImpl
  /** Runs as each launch step starts (progress observers; tests inject failures here). */
  beforeStep?: BeforeStep
  /** Closes a bottle's terminal sessions; called first when a bottle is stopped. */
  closeSessions?: (bottleId: string, reason: TeardownReason) => void | Promise<void>
}

export interface BottleServiceOptions {
  keeper: RecordKeeper
  homeId: string
  /** The host env manifest values are resolved against. */
  env: NodeJS.ProcessEnv
  logs: LogHub
  runner: CommandRunner
  manifest: ManifestService
  smolvm: () => Promise<Smolvm>
  docker: () => Docker
  packCache: PackCache
  bundle: BundleStarter
  subnets: SubnetAllocator
  secrets: SecretRegistry
  preflight: () => Promise<PreflightReport>
}

/** What `refresh` saw: each bottle's VM and bundle as smolvm and docker report them now. */
export interface LiveState {
  id: string
  /** smolvm's state of the machine, null when smolvm does not know it, `unknown` when smolvm could not be asked. */
  machine: string | null
  /** docker's state of the bundle container, null when docker has none, `unknown` when docker could not be asked. */
  bundle: string | null
}

interface Inflight {
  controller: AbortController
  done: Promise<void>
}

const DEFAULT_EXEC_TIMEOUT_MS = 60_000
/** A login shell wherever bash may be missing. */
const SHELL_COMMAND = [
  '/bin/sh',
  '-c',
  'if command -v bash >/dev/null 2>&1; then exec bash -l; else exec sh -l; fi',
]

/**
 * Bottles: launch, cancel, stop, remove, and use (exec, cp, logs, sessions).
 * Bottles outlive this process: everything needed to use or tear one down is
 * in its metadata, so the CLI can stop what the app launched and back.
 */
export class BottleService implements Disposable {
  private readonly log: Logger
  private readonly inflight = new Map<string, Inflight>()
  private readonly stopping = new Map<string, Promise<void>>()
  /** Secret env values of bottles this process launched, by bottle id. */
  private readonly secretEnv = new Map<string, GuestEnvVar[]>()
  /** Plugged-in hook sets, oldest first; a later one wins for the hooks it sets. */
  private readonly hookSets: BottleHooks[] = []
  readonly onEvent: Event<BottleEvent>

  constructor(private readonly o: BottleServiceOptions) {
    this.log = o.logs.logger('bottles')
    this.onEvent = o.keeper.onEvent
  }

  /** Plugs in hooks; disposing unplugs exactly these (in any order). */
  useHooks(hooks: BottleHooks): Disposable {
    const set = { ...hooks }
    this.hookSets.push(set)
    return {
      dispose: () => {
        const i = this.hookSets.indexOf(set)
        if (i >= 0) this.hookSets.splice(i, 1)
      },
    }
  }

  private get hooks(): BottleHooks {
    return Object.assign({}, ...this.hookSets) as BottleHooks
  }

  /** Reads the metadata dir (bottles other processes made or changed). */
  async load(): Promise<void> {
    await this.o.keeper.reload((id) => this.inflight.has(id) || this.stopping.has(id))
  }

  list(): Bottle[] {
    return this.o.keeper.all().map((r) => r.bottle)
  }

  get(id: string): Bottle {
    return this.o.keeper.get(id).bottle
  }

  snapshot(): BottleEvent {
    return { kind: 'snapshot', bottles: this.list(), orphans: [] }
  }

  /**
   * Reloads metadata and asks smolvm and docker about every bottle at once:
   * one `machine ls --json` and one labelled docker listing, however many
   * bottles there are.
   */
  async refresh(): Promise<LiveState[]> {
    await this.load()
    // One side unreachable must not hide the other, nor the bottles themselves.
    const unknown = (what: string) => (e: unknown) => {
      this.log.warn(`cannot ask ${what}: ${(e as Error).message}`)
      return null
    }
    const [machines, containers] = await Promise.all([
      this.o
        .smolvm()
        .then((s) => s.machineList())
        .catch(unknown('smolvm')),
      this.o.docker().containerList(homeLabels(this.o.homeId)).catch(unknown('docker')),
    ])
    const machineState = new Map(machines?.map((m) => [m.name, m.state]))
    const bundleState = new Map(containers?.map((c) => [c.name, c.state]))
    return this.o.keeper.all().map((r) => ({
      id: r.bottle.id,
      machine: machines ? (machineState.get(r.bottle.machineName) ?? null) : 'unknown',
      bundle: containers ? (bundleState.get(resourceNames(r.bottle.id).bundle) ?? null) : 'unknown',
    }))
  }

  /** Plans the bottle, records it and starts the launch; progress follows on onEvent. */
  async launch(input: z.input<typeof LaunchParams>): Promise<Bottle> {
    const params = LaunchParams.parse(input)
    await this.requirePreflight()
    await this.load()
    const taken = new Set(this.o.keeper.all().map((r) => r.bottle.id))
    const id = newSlug(params.agent, params.projectDir, taken)
    const plan = await this.plan(id, params)
    try {
      await this.o.keeper.create(this.newRecord(plan, await this.smolvmVersion()))
    } catch (e) {
      this.o.subnets.release(plan.id)
      throw e
    }
    this.start(plan)
    return this.get(id)
  }

  /** Launches a failed or stopped bottle again, under the same id, with the manifest as it is now. */
  async retry(id: string): Promise<Bottle> {
    const prev = this.o.keeper.get(id)
    if (
      this.inflight.has(id) ||
      (prev.bottle.state !== 'failed' && prev.bottle.state !== 'stopped')
    ) {
      throw new RpcError(
        'PRECONDITION',
        `bottle ${id} is ${prev.bottle.state}: only a failed or stopped bottle can be retried`,
      )
    }
    if (prev.resources.length) {
      throw new RpcError(
        'PRECONDITION',
        `bottle ${id} still holds ${describeResources(prev)}: stop it first`,
      )
    }
    await this.requirePreflight()
    const { agent, projectDir, copyWorkdir } = prev.bottle
    const plan = await this.plan(id, { agent, projectDir, copyWorkdir })
    const fresh = this.newRecord(plan, await this.smolvmVersion())
    await this.o.keeper.patch(
      id,
      () => ({
        ...fresh,
        bottle: { ...fresh.bottle, state: prev.bottle.state, createdAt: prev.bottle.createdAt },
      }),
      false,
    )
    await this.o.keeper.transition(id, 'launching', null)
    this.start(plan)
    return this.get(id)
  }

  /** Cancels a launch in progress; resolves once everything it created is gone. */
  async cancel(id: string): Promise<void> {
    const run = this.inflight.get(id)
    if (run) {
      run.controller.abort(new RpcError('CANCELLED', 'launch cancelled'))
      await run.done
      return
    }
    const r = this.o.keeper.get(id)
    if (r.bottle.state !== 'launching')
      throw new RpcError('PRECONDITION', `bottle ${id} is ${r.bottle.state}, not launching`)
    // Launched by another process: tear down from the record (that process's next step then fails).
    await this.stop(id, 'cancelled')
  }

  /** Stops a bottle: sessions, then VM, bundle and network. Idempotent; rejects when something could not be removed. */
  async stop(id: string, reason: TeardownReason = 'stopped'): Promise<void> {
    if (this.inflight.has(id)) return this.cancel(id)
    const pending = this.stopping.get(id)
    if (pending) return pending
    const r = this.o.keeper.get(id)
    if ((r.bottle.state === 'stopped' || r.bottle.state === 'failed') && r.resources.length === 0)
      return
    const done = this.teardown(id, reason).finally(() => this.stopping.delete(id))
    this.stopping.set(id, done)
    return done
  }

  /** Stops the bottle if needed, then forgets it. Refused while resources could not be removed. */
  async remove(id: string): Promise<void> {
    await this.stop(id)
    const r = this.o.keeper.get(id)
    if (r.resources.length) {
      throw new RpcError(
        'CONFLICT',
        `bottle ${id} still holds ${describeResources(r)} that could not be removed; see its backend log`,
      )
    }
    this.secretEnv.delete(id)
    await this.o.keeper.remove(id)
  }

  async exec(
    id: string,
    command: readonly string[],
    o: { workdir?: string; timeoutMs?: number } = {},
  ): Promise<ExecResult> {
    const r = this.running(id)
    const smolvm = await this.o.smolvm()
    const result = await smolvm.exec(r.bottle.machineName, command, {
      workdir: o.workdir ?? r.bottle.workdir,
      env: await this.guestEnv(r),
      timeoutMs: o.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
    })
    return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  }

  /** Copies one file in or out of the guest; returns its size. */
  async cp(
    id: string,
    direction: 'in' | 'out',
    hostPath: string,
    guestPath: string,
  ): Promise<{ bytes: number }> {
    const r = this.running(id)
    const smolvm = await this.o.smolvm()
    if (direction === 'in') {
      const s = await stat(hostPath).catch(() => null)
      if (!s?.isFile())
        throw new RpcError(
          'INVALID_PARAMS',
          `hostPath: ${hostPath} is not a file (smolvm copies single files)`,
        )
      await smolvm.cpIn(r.bottle.machineName, hostPath, guestPath)
      return { bytes: s.size }
    }
    await smolvm.cpOut(r.bottle.machineName, guestPath, hostPath)
    return { bytes: (await stat(hostPath)).size }
  }

  logs(id: string, source: LogSource, tail: number): Promise<LogLine[]> {
    return readBottleLog(this.o.keeper.get(id), source, tail, this.logTools())
  }

  followLogs(id: string, source: LogSource, emit: (lines: LogLine[]) => void): Disposable {
    return followBottleLog(this.o.keeper.get(id), source, emit, this.logTools())
  }

  /** The session provider: the command line node-pty runs for a bottle's agent session or a shell. */
  /** Records a running bottle's new allowlist (applied to its bundle by the egress service). */
  async setEgress(id: string, rules: readonly string[]): Promise<Bottle> {
    const r = await this.o.keeper.patch(id, (prev) => ({ ...prev, bottle: { ...prev.bottle, egress: [...rules] } }))
    return r.bottle
  }

  async sessionCommand(id: string, kind: SessionKind): Promise<PtyCommand> {
    const r = this.running(id)
    const smolvm = await this.o.smolvm()
    return smolvm.sessionCommand(r.bottle.machineName, {
      workdir: r.bottle.workdir,
      env: await this.guestEnv(r),
      command: kind === 'agent' ? r.sessionCommand : SHELL_COMMAND,
    })
  }

  /** Resolves when the bottle's launch (if one runs in this process) has finished, however it ended. */
  async settled(id: string): Promise<Bottle> {
    await this.inflight.get(id)?.done
    return this.get(id)
  }

  /** Cancels launches in progress (they tear down what they made) and waits for them. Running bottles stay. */
  async shutdown(): Promise<void> {
    const runs = [...this.inflight.values()]
    for (const run of runs)
      run.controller.abort(new RpcError('CANCELLED', 'Bot Bottle is shutting down'))
    await Promise.all(
      [...runs.map((r) => r.done), ...this.stopping.values()].map((p) => p.catch(() => {})),
    )
  }

  dispose(): void {
    for (const run of this.inflight.values())
      run.controller.abort(new RpcError('CANCELLED', 'Bot Bottle is shutting down'))
  }

  /** The manifest's agent as it is now, checked against the host, with names, addresses and env. */
  private async plan(id: string, params: LaunchParams): Promise<BottlePlan> {
    return createPlan({
      id,
      params,
      agent: await this.o.manifest.agent(params.agent),
      hostEnv: this.o.env,
      subnets: this.o.subnets,
      takenSubnets: await this.o.docker().allSubnets(),
    })
  }

  private start(plan: BottlePlan): void {
    const controller = new AbortController()
    const done = this.run(plan, controller.signal)
      // Only bookkeeping (a metadata write) can fail here; the record on disk says what was made.
      .catch((e: unknown) =>
        this.log.error(`launch of ${plan.id}: ${(e as Error).message}`, plan.id),
      )
      .finally(() => this.inflight.delete(plan.id))
    this.inflight.set(plan.id, { controller, done })
  }

  private async run(plan: BottlePlan, signal: AbortSignal): Promise<void> {
    const { keeper } = this.o
    const id = plan.id
    const started = Date.now()
    for (const w of plan.warnings) this.log.warn(w, id)
    try {
      const [smolvm, docker] = [await this.o.smolvm(), this.o.docker()]
      await runLaunch(
        plan,
        {
          keeper,
          smolvm,
          docker,
          packCache: this.o.packCache,
          subnets: this.o.subnets,
          bundle: this.o.bundle,
          runner: this.o.runner,
          homeId: this.o.homeId,
          log: this.log,
          selftest: this.hooks.selftest,
          beforeStep: this.hooks.beforeStep,
        },
        signal,
      )
      await keeper.patch(id, (r) => ({ ...r, ownerPid: null }), false)
      await keeper.transition(id, 'running', null)
      this.log.info(`bottle ${id} is running (${((Date.now() - started) / 1000).toFixed(1)} s)`, id)
    } catch (e) {
      const cancelled = signal.aborted
      const failedStep = keeper.get(id).bottle.steps.find((s) => s.state === 'failed')?.id ?? null
      await keeper.patch(id, (r) => ({
        ...r,
        bottle: {
          ...r.bottle,
          stateDetail: 'tearing down',
          steps: r.bottle.steps.map((s) =>
            s.state === 'pending' ? { ...s, state: 'skipped' as const, detail: 'not reached' } : s,
          ),
        },
      }))
      const { failed } = await teardownResources(keeper, id, this.teardownTools())
      // The subnet may have been reserved without its network ever being created.
      if (!failed.some((f) => f.kind === 'network')) this.o.subnets.release(id)
      const error = cancelled ? null : errorShape(e)
      const leftover = failed.length
        ? `; could not remove ${failed.map((f) => `${f.kind} ${f.name}`).join(', ')}`
        : ''
      const detail = cancelled
        ? `launch cancelled${leftover}`
        : `${failedStep ?? 'launch'} failed: ${error?.message}${leftover}`
      await keeper.patch(id, (r) => ({ ...r, ownerPid: null }), false)
      await keeper.transition(id, cancelled && !failed.length ? 'stopped' : 'failed', detail, {
        error,
      })
      keeper.announceTeardown({
        id,
        reason: cancelled ? 'cancelled' : 'launch-failed',
        detail,
        agent: plan.agentName,
        projectDir: plan.projectDir,
        ranForMs: 0,
        exitCode: null,
        failedStep,
        time: new Date().toISOString(),
      })
      if (!cancelled) this.log.error(`launch of ${id} failed: ${error?.message}`, id)
    }
  }

  private async teardown(id: string, reason: TeardownReason): Promise<void> {
    const { keeper } = this.o
    const before = keeper.get(id).bottle
    await keeper.patch(id, (r) => ({ ...r, ownerPid: process.pid }), false)
    await keeper.transition(id, 'stopping', null)
    try {
      await this.hooks.closeSessions?.(id, reason)
    } catch (e) {
      this.log.warn(`closing the sessions of ${id} failed: ${(e as Error).message}`, id)
    }
    const { failed } = await teardownResources(keeper, id, this.teardownTools())
    const detail = failed.length
      ? `could not remove ${failed.map((f) => `${f.kind} ${f.name} (${f.message})`).join(', ')}`
      : reason === 'cancelled'
        ? 'launch cancelled'
        : 'stopped'
    await keeper.patch(id, (r) => ({ ...r, ownerPid: null }), false)
    await keeper.transition(id, failed.length ? 'failed' : 'stopped', detail)
    keeper.announceTeardown({
      id,
      reason,
      detail,
      agent: before.agent,
      projectDir: before.projectDir,
      ranForMs: before.startedAt ? Math.max(0, Date.now() - Date.parse(before.startedAt)) : 0,
      exitCode: null,
      failedStep: null,
      time: new Date().toISOString(),
    })
    this.log.info(`bottle ${id} ${detail}`, id)
    if (failed.length) throw new RpcError('COMMAND_FAILED', `bottle ${id}: ${detail}`, { failed })
  }

  private newRecord(plan: BottlePlan, smolvmVersion: string | null): BottleRecord {
    this.o.secrets.add(plan.agentEnv.filter((v) => v.secret).map((v) => v.value))
    this.secretEnv.set(
      plan.id,
      plan.agentEnv.filter((v) => v.secret),
    )
    const env = planEnv(plan, plan.subnet.bundleIp)
    return {
      schema: 1,
      homeId: this.o.homeId,
      ownerPid: process.pid,
      resources: [],
      secretKeys: plan.agentEnv.filter((v) => v.secret).map((v) => v.key),
      sessionCommand: plan.agent.session,
      setupDone: false,
      cpus: plan.agent.cpus,
      memoryMib: plan.agent.memory,
      bottle: {
        id: plan.id,
        agent: plan.agentName,
        projectDir: plan.projectDir,
        copyWorkdir: plan.copyWorkdir,
        machineName: plan.names.machine,
        workdir: plan.agent.workdir,
        state: 'launching',
        stateDetail: null,
        createdAt: new Date().toISOString(),
        startedAt: null,
        endedAt: null,
        network: null,
        bundle: null,
        pack: null,
        env: maskedEnv(env),
        egress: plan.agent.egress,
        smolvmVersion,
        steps: initialSteps(),
        error: null,
      },
    }
  }

  /**
   * The guest env for exec and sessions: the recorded non-secret values, and
   * secret values from memory (bottles this process launched) or from the
   * manifest and host env now. A secret whose value cannot be had is left
   * out, so the machine keeps the one it was created with.
   */
  private async guestEnv(r: BottleRecord): Promise<GuestEnvVar[]> {
    const plain = r.bottle.env
      .filter((e) => !e.secret)
      .map((e) => ({ key: e.key, value: e.value, secret: false }))
    let secrets = this.secretEnv.get(r.bottle.id)
    if (!secrets && r.secretKeys.length) {
      try {
        const { vars } = resolveAgentEnv(await this.o.manifest.agent(r.bottle.agent), this.o.env)
        secrets = vars.filter((v) => v.secret && r.secretKeys.includes(v.key))
        this.o.secrets.add(secrets.map((v) => v.value))
        this.secretEnv.set(r.bottle.id, secrets)
      } catch (e) {
        this.log.warn(
          `secret env of ${r.bottle.id} not available (${(e as Error).message}): the VM keeps its own`,
          r.bottle.id,
        )
        secrets = []
      }
    }
    return [...plain, ...(secrets ?? [])]
  }

  private running(id: string): BottleRecord {
    const r = this.o.keeper.get(id)
    if (r.bottle.state !== 'running') {
      throw new RpcError(
        'PRECONDITION',
        `bottle ${id} is ${r.bottle.state}${r.bottle.stateDetail ? ` (${r.bottle.stateDetail})` : ''}, not running`,
      )
    }
    return r
  }

  private async requirePreflight(): Promise<void> {
    const report = await this.o.preflight()
    const failing = report.checks.filter((c) => c.status === 'fail')
    if (failing.length) {
      throw new RpcError(
        'PRECONDITION',
        failing.map((c) => `${c.label}: ${c.detail}${c.fix ? ` — ${c.fix}` : ''}`).join('; '),
        { checks: report.checks },
      )
    }
  }

  private async smolvmVersion(): Promise<string | null> {
    try {
      return (await (await this.o.smolvm()).version()).raw
    } catch {
      return null
    }
  }

  private teardownTools() {
    return {
      smolvm: this.o.smolvm,
      docker: this.o.docker,
      log: this.log,
      onNetworkGone: (name: string) => this.o.subnets.release(name.replace(/^claude-bottle-/, '')),
    }
  }

  private logTools() {
    return { logs: this.o.logs, docker: this.o.docker, smolvm: this.o.smolvm }
  }
}

function describeResources(r: BottleRecord): string {
  return r.resources.map((x) => `${x.kind} ${x.name}`).join(', ')
}
