import { resolve } from 'node:path'
import type { z } from 'zod'
import {
  LaunchParams,
  type Bottle,
  type BottleEvent,
  type ExecResult,
  type LogLine,
  type LogSource,
  type Orphan,
  type PreflightReport,
  type SessionKind,
  type StepId,
  type TeardownReason,
} from '../../../src-shared/contract'
import { RpcError, invalidParams, type RpcErrorShape } from '../../../src-shared/rpc/errors'
import type { CommandRunner } from '../base/exec'
import type { Disposable, Event } from '../base/lifecycle'
import type { LogHub, Logger } from '../base/logger'
import type { Docker } from '../docker/types'
import type { BundleStarter } from '../launch/bundle-starter'
import { errorShape, runLaunch } from '../launch/launch-run'
import { initialSteps, type BeforeStep, type StepImpl } from '../launch/steps'
import type { ManifestService } from '../manifest/manifest-service'
import { isAlive } from '../pack/file-lock'
import type { PackCache } from '../pack/pack-cache'
import { maskedEnv, resolveAgentEnv } from '../plan/guest-env'
import { homeLabels, newSlug, resourceNames } from '../plan/names'
import { createPlan, planEnv, type BottlePlan } from '../plan/plan'
import type { SubnetAllocator } from '../plan/subnet'
import type { GuestEnvVar, PtyCommand, Smolvm } from '../smolvm/types'
import { followBottleLog, readBottleLog } from './bottle-logs'
import { BottleLocks, type BottleLock } from './bottle-lock'
import { copyGuestFile, type CopyResult } from './copy-file'
import { CapturedLogs } from './log-capture'
import type { BottleRecord } from './metadata'
import { observe, type Observation } from './observe'
import type { RecordKeeper } from './record-keeper'
import type { SecretRegistry } from './secret-registry'
import { teardownResources, type TeardownTools } from './teardown'

/** Late-bound collaborators: the composition root (or a later issue) plugs them in. */
export interface BottleHooks {
  /** The `selftest` launch step. Until one is provided the step is skipped ("not configured"). */
  selftest?: StepImpl
  /** Runs as each launch step starts (progress observers; tests inject failures here). */
  beforeStep?: BeforeStep
  /** Closes a bottle's terminal sessions; called first when a bottle is stopped. */
  closeSessions?: (bottleId: string, reason: TeardownReason) => void | Promise<void>
  /** Runs once a launch in this process has made the bottle running (e.g. starts the agent session). */
  onRunning?: (bottleId: string) => void | Promise<void>
}

/** Why a stop happened, beyond its reason (shown in the teardown event). */
export interface StopDetails {
  detail?: string
  exitCode?: number | null
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
  /** Where the per-bottle locks live (the data dir's `locks/`). */
  locksDir: string
  /** Where the records live (the data dir's `bottles/`): a torn-down bottle's last logs are kept beside its own. */
  bottlesDir: string
}

/** What `refresh` saw: each bottle's VM and bundle as smolvm and docker report them now. */
export interface LiveState {
  id: string
  /** smolvm's state of the machine, null when smolvm does not know it, `unknown` when smolvm could not be asked. */
  machine: string | null
  /** docker's state of the bundle container, null when docker has none, `unknown` when docker could not be asked. */
  bundle: string | null
  /** The bundle container's exit code once it has exited. */
  bundleExitCode: number | null
}

/** What reconcile asks `repair` to finish for a bottle nobody is driving. */
export type Repair =
  /** A running bottle whose VM or bundle ended; `startedAt` is the run that was judged. */
  | {
      kind: 'died'
      reason: 'vm-died' | 'bundle-died'
      detail: string
      exitCode: number | null
      startedAt: string | null
    }
  /** A launch or teardown whose process exited (crashed, killed) before it finished. */
  | { kind: 'interrupted' }
  /** An ended bottle whose record still lists resources (an earlier teardown failed). */
  | { kind: 'leftover' }

interface Inflight {
  controller: AbortController
  done: Promise<void>
}

const DEFAULT_EXEC_TIMEOUT_MS = 60_000
/** How often a launch looks for a cancel request from another process. */
const CANCEL_POLL_MS = 500
/** How long a stop waits for another process's launch (asked to cancel) or teardown of the same bottle. */
const LOCK_WAIT_MS = 120_000
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
  private readonly locks: BottleLocks
  private readonly captured: CapturedLogs
  readonly onEvent: Event<BottleEvent>

  constructor(private readonly o: BottleServiceOptions) {
    this.log = o.logs.logger('bottles')
    this.onEvent = o.keeper.onEvent
    this.locks = new BottleLocks(o.locksDir)
    this.captured = new CapturedLogs(o.bottlesDir, () => o.secrets.all())
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

  /** The records behind the bottles (resources, owner): what reconcile judges. */
  records(): BottleRecord[] {
    return this.o.keeper.all()
  }

  snapshot(): BottleEvent {
    return { kind: 'snapshot', bottles: this.list(), orphans: this.o.keeper.orphans() }
  }

  /** Publishes what reconcile found without a bottle (an `orphans` event when it changed). */
  setOrphans(orphans: Orphan[]): void {
    this.o.keeper.setOrphans(orphans)
  }

  /**
   * Asks smolvm and docker about every bottle at once — one `machine ls
   * --json` and one labelled container listing (plus the labelled networks
   * when asked), however many bottles there are — THEN reloads the metadata:
   * every resource is recorded before it is created, so a record read after
   * the listing accounts for everything the listing shows.
   */
  async observe(o: { networks?: boolean } = {}): Promise<Observation> {
    const seen = await observe({
      smolvm: this.o.smolvm,
      docker: this.o.docker,
      labels: homeLabels(this.o.homeId),
      networks: o.networks === true,
    })
    await this.load()
    return seen
  }

  /** The bottles with what smolvm and docker say about each now (`bot-bottle ls`). */
  async refresh(): Promise<LiveState[]> {
    const seen = await this.observe()
    // One side unreachable must not hide the other, nor the bottles themselves.
    for (const [what, message] of Object.entries(seen.errors))
      this.log.warn(`cannot ask ${what}: ${message}`)
    const machines = seen.machines && new Map(seen.machines.map((m) => [m.name, m]))
    const bundles = seen.containers && new Map(seen.containers.map((c) => [c.name, c]))
    return this.o.keeper.all().map((r) => {
      const bundle = bundles?.get(resourceNames(r.bottle.id).bundle)
      return {
        id: r.bottle.id,
        machine: machines ? (machines.get(r.bottle.machineName)?.state ?? null) : 'unknown',
        bundle: bundles ? (bundle?.state ?? null) : 'unknown',
        bundleExitCode: bundle?.exitCode ?? null,
      }
    })
  }

  /** A launch, stop or repair of this bottle is under way in this process. */
  busy(id: string): boolean {
    return this.inflight.has(id) || this.stopping.has(id)
  }

  /**
   * Another live process is launching or tearing down the bottle: the record
   * names it, and it holds the bottle's lock (a pid that is alive again after
   * a reboot, some other process's now, holds none).
   */
  async drivenElsewhere(r: BottleRecord): Promise<boolean> {
    if (r.ownerPid === null || r.ownerPid === process.pid || !isAlive(r.ownerPid)) return false
    return (await this.locks.owner(r.bottle.id))?.pid === r.ownerPid
  }

  /** A launch or a stop is running in this process (quitting now would leave it half done). */
  hasWorkInProgress(): boolean {
    return this.inflight.size > 0 || this.stopping.size > 0
  }

  /**
   * Finishes what reconcile found for a bottle: tears a dead or interrupted
   * one down, with the reason, under the bottle's lock. Returns `busy` when
   * someone (this process or another live one) is acting on it, `skipped`
   * when its record no longer matches what was judged.
   */
  repair(id: string, what: Repair): Promise<'done' | 'busy' | 'skipped'> {
    if (this.busy(id)) return Promise.resolve('busy')
    const run = (async () => {
      const t = await this.locks.tryAcquire(id)
      if ('busy' in t) return 'busy' as const
      try {
        return await this.repairLocked(id, what)
      } finally {
        await t.lock.release()
      }
    })()
    // Registered at once: a stop (or the next look) waits for this repair instead of racing it.
    const done = run.then(
      () => {},
      () => {},
    )
    this.stopping.set(id, done)
    void done.finally(() => {
      if (this.stopping.get(id) === done) this.stopping.delete(id)
    })
    return run
  }

  private async repairLocked(id: string, what: Repair): Promise<'done' | 'skipped'> {
    const r = await this.o.keeper.reloadOne(id)
    if (!r) return 'skipped'
    const b = r.bottle
    if (what.kind === 'died') {
      if (b.state !== 'running' || b.startedAt !== what.startedAt) return 'skipped'
      this.log.warn(`bottle ${id}: ${what.detail}; tearing it down`, id)
      await this.teardown(id, what.reason, {
        detail: what.detail,
        failed: true,
        exitCode: what.exitCode,
      })
      return 'done'
    }
    if (what.kind === 'interrupted') {
      if (b.state !== 'launching' && b.state !== 'stopping') return 'skipped'
      await this.finishInterrupted(r)
      return 'done'
    }
    if (b.state !== 'failed' || r.resources.length === 0) return 'skipped'
    this.log.info(
      `bottle ${id}: removing what an earlier teardown left (${describeResources(r)})`,
      id,
    )
    await this.teardown(id, 'stopped', {
      detail: 'what an earlier teardown left was removed',
      failed: true,
    })
    return 'done'
  }

  /** A launch or teardown whose process is gone: tear down what its record holds, and say so. */
  private async finishInterrupted(r: BottleRecord): Promise<void> {
    const id = r.bottle.id
    const who = r.ownerPid
      ? `the Bot Bottle process that was driving it (pid ${r.ownerPid})`
      : 'the process driving it'
    if (r.bottle.state === 'stopping') {
      this.log.warn(`bottle ${id}: ${who} exited mid-teardown; finishing it`, id)
      await this.teardown(id, 'stopped', { detail: `stopped (finished after ${who} exited)` })
      return
    }
    const step = r.bottle.steps.find((s) => s.state === 'running')
    const message = `launch interrupted: ${who} exited${step ? ` during “${step.label}”` : ''}`
    this.log.warn(`bottle ${id}: ${message}; tearing down what it made`, id)
    const error: RpcErrorShape = { code: 'INTERNAL', message }
    const now = new Date().toISOString()
    await this.o.keeper.patch(id, (x) => ({
      ...x,
      bottle: {
        ...x.bottle,
        steps: x.bottle.steps.map((s) =>
          s.state === 'running'
            ? { ...s, state: 'failed' as const, endedAt: now, error }
            : s.state === 'pending'
              ? { ...s, state: 'skipped' as const, detail: 'not reached' }
              : s,
        ),
      },
    }))
    await this.teardown(id, 'launch-failed', {
      detail: message,
      failed: true,
      error,
      failedStep: step?.id ?? null,
    })
  }

  /** Plans the bottle, records it and starts the launch; progress follows on onEvent. */
  async launch(input: z.input<typeof LaunchParams>): Promise<Bottle> {
    const parsed = LaunchParams.safeParse(input)
    if (!parsed.success) throw invalidParams('launch', parsed.error)
    // `/p/demo/` and `/p//demo` are the folder `/p/demo` (one entry in the recent list, one name).
    const params = { ...parsed.data, projectDir: resolve(parsed.data.projectDir) }
    await this.requirePreflight()
    await this.load()
    const taken = new Set(this.o.keeper.all().map((r) => r.bottle.id))
    const id = newSlug(params.agent, params.projectDir, taken)
    const lock = await this.locks.acquire(id)
    let plan: BottlePlan | null = null
    try {
      plan = await this.plan(id, params)
      await this.o.keeper.create(this.newRecord(plan, await this.smolvmVersion()))
    } catch (e) {
      if (plan) this.o.subnets.release(plan.id)
      await lock.release()
      throw e
    }
    this.start(plan, lock)
    return this.get(id)
  }

  /** Launches a failed or stopped bottle again, under the same id, with the manifest as it is now. */
  async retry(id: string): Promise<Bottle> {
    if (this.busy(id)) {
      throw new RpcError(
        'PRECONDITION',
        `bottle ${id} is ${this.o.keeper.get(id).bottle.state}: only a failed or stopped bottle can be retried`,
      )
    }
    const t = await this.locks.tryAcquire(id)
    if ('busy' in t) throw busyElsewhere(id, t.busy.pid)
    try {
      await this.retryLocked(id, t.lock)
    } catch (e) {
      await t.lock.release()
      throw e
    }
    return this.get(id)
  }

  private async retryLocked(id: string, lock: BottleLock): Promise<void> {
    const prev = await this.o.keeper.reloadOne(id)
    if (!prev) throw new RpcError('NOT_FOUND', `no bottle ${id}`)
    if (prev.bottle.state !== 'failed' && prev.bottle.state !== 'stopped') {
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
    this.start(plan, lock)
  }

  /** Cancels a launch in progress; resolves once everything it created is gone. */
  async cancel(id: string): Promise<void> {
    const run = this.inflight.get(id)
    if (run) {
      run.controller.abort(new RpcError('CANCELLED', 'launch cancelled'))
      await run.done
      return
    }
    const r = (await this.o.keeper.reloadOne(id)) ?? this.o.keeper.get(id)
    if (r.bottle.state !== 'launching')
      throw new RpcError('PRECONDITION', `bottle ${id} is ${r.bottle.state}, not launching`)
    // Launched by another process: stop() asks it to cancel and waits for its lock.
    await this.stop(id, 'cancelled')
  }

  /** Stops a bottle: sessions, then VM, bundle and network. Idempotent; rejects when something could not be removed. */
  async stop(
    id: string,
    reason: TeardownReason = 'stopped',
    details: StopDetails = {},
  ): Promise<void> {
    if (this.inflight.has(id)) return this.cancel(id)
    const pending = this.stopping.get(id)
    if (pending) return pending
    const r = this.o.keeper.get(id)
    if (ended(r) && r.resources.length === 0) return
    const done = this.stopLocked(id, reason, details).finally(() => this.stopping.delete(id))
    this.stopping.set(id, done)
    return done
  }

  private async stopLocked(
    id: string,
    reason: TeardownReason,
    details: StopDetails,
  ): Promise<void> {
    const lock = await this.lockForTeardown(id)
    try {
      const r = await this.o.keeper.reloadOne(id)
      // Gone, or stopped by whoever held the lock before us.
      if (!r || (ended(r) && r.resources.length === 0)) return
      if (r.bottle.state === 'launching' || r.bottle.state === 'stopping') {
        // We hold the lock, so nobody drives it any more: its process died.
        if (reason === 'cancelled' && r.bottle.state === 'launching')
          await this.teardown(id, 'cancelled')
        else await this.finishInterrupted(r)
        return
      }
      await this.teardown(id, reason, details)
    } finally {
      await lock.release()
    }
  }

  /**
   * The bottle's lock for a teardown. Held by another live process: a launch
   * there is asked to cancel, a teardown there is waited for.
   */
  private async lockForTeardown(id: string): Promise<BottleLock> {
    const t = await this.locks.tryAcquire(id)
    if ('lock' in t) return t.lock
    const r = await this.o.keeper.reloadOne(id)
    if (r?.bottle.state === 'launching') await this.locks.requestCancel(id)
    this.log.info(
      `bottle ${id} is being ${r?.bottle.state === 'launching' ? 'launched' : 'changed'} by pid ${t.busy.pid ?? '?'}: waiting for it`,
      id,
    )
    try {
      return await this.locks.acquire(id, { signal: AbortSignal.timeout(LOCK_WAIT_MS) })
    } catch (e) {
      if (e instanceof Error && e.name === 'TimeoutError') throw busyElsewhere(id, t.busy.pid)
      throw e
    }
  }

  /** Stops the bottle if needed, then forgets it. Refused while resources could not be removed. */
  async remove(id: string): Promise<void> {
    await this.stop(id)
    const lock = await this.lockForTeardown(id)
    try {
      const r = await this.o.keeper.reloadOne(id)
      if (!r) return
      if (!ended(r))
        throw new RpcError('CONFLICT', `bottle ${id} was launched again meanwhile; stop it first`)
      if (r.resources.length) {
        throw new RpcError(
          'CONFLICT',
          `bottle ${id} still holds ${describeResources(r)} that could not be removed; see its backend log`,
        )
      }
      this.secretEnv.delete(id)
      await this.captured.remove(id)
      await this.o.keeper.remove(id)
    } finally {
      await lock.release()
    }
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

  /** Copies one file in or out of the guest (rules in copy-file.ts); returns its size and the paths used. */
  async cp(
    id: string,
    direction: 'in' | 'out',
    hostPath: string,
    guestPath: string,
    o: { overwrite?: boolean } = {},
  ): Promise<CopyResult> {
    const r = this.running(id)
    const smolvm = await this.o.smolvm()
    return copyGuestFile(smolvm, r.bottle.machineName, { direction, hostPath, guestPath, ...o })
  }

  logs(id: string, source: LogSource, tail: number): Promise<LogLine[]> {
    return readBottleLog(this.o.keeper.get(id), source, tail, this.logTools())
  }

  followLogs(id: string, source: LogSource, emit: (lines: LogLine[]) => void): Disposable {
    return followBottleLog(this.o.keeper.get(id), source, emit, this.logTools())
  }

  /** Records a running bottle's new allowlist (applied to its bundle by the egress service). */
  async setEgress(id: string, rules: readonly string[]): Promise<Bottle> {
    const r = await this.o.keeper.patch(id, (prev) => ({
      ...prev,
      bottle: { ...prev.bottle, egress: [...rules] },
    }))
    return r.bottle
  }

  /**
   * The session provider: the command line node-pty runs for a bottle's agent
   * session or a shell. It works from the record alone, so a bottle adopted
   * after a restart opens sessions again.
   */
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

  /** Runs the launch under the bottle's lock, which it releases when the launch has ended. */
  private start(plan: BottlePlan, lock: BottleLock): void {
    const controller = new AbortController()
    const stopPolling = this.pollCancelRequests(plan.id, controller)
    const done = this.locks
      .clearCancel(plan.id)
      .then(() => this.run(plan, controller.signal))
      // Only bookkeeping (a metadata write) can fail here; the record on disk says what was made.
      .catch((e: unknown) =>
        this.log.error(`launch of ${plan.id}: ${(e as Error).message}`, plan.id),
      )
      .finally(async () => {
        stopPolling()
        this.inflight.delete(plan.id)
        await this.locks.clearCancel(plan.id).catch(() => {})
        await lock.release()
      })
    this.inflight.set(plan.id, { controller, done })
  }

  /** Another process asks this launch to cancel by leaving a request beside the bottle's lock. */
  private pollCancelRequests(id: string, controller: AbortController): () => void {
    const timer = setInterval(() => {
      void this.locks.cancelRequested(id).then((asked) => {
        if (asked && !controller.signal.aborted) {
          this.log.info(`bottle ${id}: another Bot Bottle process asked to cancel this launch`, id)
          controller.abort(
            new RpcError('CANCELLED', 'launch cancelled from another Bot Bottle process'),
          )
        }
      })
    }, CANCEL_POLL_MS)
    timer.unref()
    return () => clearInterval(timer)
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
      try {
        await this.hooks.onRunning?.(id)
      } catch (e) {
        this.log.error(`after launch: ${(e as Error).message}`, id)
      }
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

  /**
   * Sessions, then VM, bundle and network, from the record; the caller holds
   * the bottle's lock. `failed` ends the bottle failed (it died, or its launch
   * was interrupted) even when everything could be removed.
   */
  private async teardown(
    id: string,
    reason: TeardownReason,
    o: {
      detail?: string
      failed?: boolean
      error?: RpcErrorShape
      failedStep?: StepId | null
      exitCode?: number | null
    } = {},
  ): Promise<void> {
    const { keeper } = this.o
    const before = keeper.get(id).bottle
    await keeper.patch(id, (r) => ({ ...r, ownerPid: process.pid }), false)
    if (before.state !== 'stopping') await keeper.transition(id, 'stopping', o.detail ?? null)
    try {
      await this.hooks.closeSessions?.(id, reason)
    } catch (e) {
      this.log.warn(`closing the sessions of ${id} failed: ${(e as Error).message}`, id)
    }
    const { failed } = await teardownResources(keeper, id, this.teardownTools())
    const said = o.detail ?? (reason === 'cancelled' ? 'launch cancelled' : 'stopped')
    const detail = failed.length
      ? `${o.detail ? `${o.detail}; ` : ''}could not remove ${failed.map((f) => `${f.kind} ${f.name} (${f.message})`).join(', ')}`
      : said
    await keeper.patch(id, (r) => ({ ...r, ownerPid: null }), false)
    await keeper.transition(
      id,
      failed.length || o.failed ? 'failed' : 'stopped',
      detail,
      o.error ? { error: o.error } : {},
    )
    keeper.announceTeardown({
      id,
      reason,
      detail,
      agent: before.agent,
      projectDir: before.projectDir,
      ranForMs:
        before.state === 'running' && before.startedAt
          ? Math.max(0, Date.now() - Date.parse(before.startedAt))
          : 0,
      exitCode: o.exitCode ?? null,
      failedStep: o.failedStep ?? null,
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
   * manifest and host env now. Secrets are never given to `machine create`
   * (smolvm would store them), so one whose value cannot be had now is simply
   * missing in the guest.
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
          `secret env of ${r.bottle.id} not available (${(e as Error).message}): the guest runs without it`,
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

  private teardownTools(): TeardownTools {
    return {
      smolvm: this.o.smolvm,
      docker: this.o.docker,
      log: this.log,
      captured: this.captured,
      onNetworkGone: (name: string) => this.o.subnets.release(name.replace(/^claude-bottle-/, '')),
    }
  }

  private logTools() {
    return {
      logs: this.o.logs,
      docker: this.o.docker,
      smolvm: this.o.smolvm,
      captured: this.captured,
    }
  }
}

function ended(r: BottleRecord): boolean {
  return r.bottle.state === 'stopped' || r.bottle.state === 'failed'
}

function busyElsewhere(id: string, pid: number | null): RpcError {
  return new RpcError(
    'CONFLICT',
    `bottle ${id} is being launched or stopped by another Bot Bottle process${pid ? ` (pid ${pid})` : ''}; try again when it is done`,
  )
}

function describeResources(r: BottleRecord): string {
  return r.resources.map((x) => `${x.kind} ${x.name}`).join(', ')
}
