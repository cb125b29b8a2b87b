import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { BackendLogLine } from '../../src-shared/contract'
import { LogHub, type Logger } from './base/logger'
import { DisposableStore, type Disposable } from './base/lifecycle'
import { CommandRunner } from './base/exec'
import { resolvePaths, type AppPaths } from './config/paths'
import { SettingsStore } from './config/settings-store'
import { BottleService } from './bottles/bottle-service'
import { MetadataStore, sidecarsInUse } from './bottles/metadata'
import { RecordKeeper } from './bottles/record-keeper'
import { SecretRegistry } from './bottles/secret-registry'
import { capSessions } from './bottles/session-cap'
import { createBundleImage } from './bundle/bundle-image'
import { createBundleStarter } from './launch/bundle-starter'
import { HostTools } from './launch/host-tools'
import { ManifestService } from './manifest/manifest-service'
import { createDigestResolver } from './pack/digest-resolver'
import { PackCache } from './pack/pack-cache'
import { DEFAULT_SUBNET_POOL, SubnetAllocator } from './plan/subnet'
import { PreflightService } from './preflight/preflight-service'
import { SessionService } from './sessions/session-service'
import { EgressService } from './egress/egress-service'
import { runAgentSessions } from './agent-lifecycle'
import { Reconciler } from './reconcile/reconciler'
import { BottleWatch } from './reconcile/watch'
import { createIsolationSelftest } from './selftest/isolation-selftest'

/** How the backend is being run; only changes what the UI can offer. */
export type BackendMode = 'electron' | 'serve' | 'cli'

export interface BackendOptions {
  mode: BackendMode
  env?: NodeJS.ProcessEnv
  /** Where log lines go besides the in-memory ring (stderr in serve/CLI). */
  logSink?: (line: BackendLogLine) => void
  version?: string
  /** Reconcile at start, then watch the bottles (default: the long-lived modes, not one CLI command). */
  watch?: boolean
  /**
   * Set by the packaged app: its resources folder, unpacked from the asar
   * (shell/app-identity `resourcesDir`). The bundle image is then made from
   * resources/bundle/dist/bundle.js. Absent in a checkout (dev, CLI, tests).
   */
  resourcesDir?: string
}

/**
 * The composition root: every service, built once, disposed in reverse order.
 * The Electron app and `bot-bottle serve` build the same one.
 */
export interface Backend extends Disposable {
  readonly mode: BackendMode
  readonly version: string
  readonly env: NodeJS.ProcessEnv
  readonly paths: AppPaths
  /** Stable per data dir: labels docker resources so installs never see each other's. */
  readonly homeId: string
  readonly logs: LogHub
  readonly log: Logger
  readonly runner: CommandRunner
  readonly settings: SettingsStore
  /** Secret values (guest API keys, tokens) the log masks wherever they appear. */
  readonly secrets: SecretRegistry
  /** The smolvm and docker CLIs, found from Settings / env / PATH at each use. */
  readonly tools: HostTools
  readonly manifest: ManifestService
  readonly preflight: PreflightService
  readonly packCache: PackCache
  /** Bottles: launch, stop, use. Plug the self-test and session closing in with `bottles.useHooks`. */
  readonly bottles: BottleService
  /** Terminal sessions (node-pty) of running bottles; closed when their bottle stops. */
  readonly sessions: SessionService
  /** A running bottle's allowlist and decision log, through its bundle container. */
  readonly egress: EgressService
  /** Matches metadata with smolvm and docker: adopts, finishes the dead and the interrupted, finds orphans. */
  readonly reconciler: Reconciler
  /** Notices a dead VM or bundle within seconds; null when not watching (CLI commands). */
  readonly watch: BottleWatch | null
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const env = options.env ?? process.env
  const paths = resolvePaths(env)
  const store = new DisposableStore()
  const secrets = new SecretRegistry()
  const logs = new LogHub({ sink: options.logSink, secrets: () => secrets.all() })
  const log = logs.logger('backend')
  const runner = new CommandRunner(logs.logger('exec'))
  const settings = new SettingsStore(paths.settingsPath)
  await settings.load()
  const homeId = createHash('sha256').update(paths.dataDir).digest('hex').slice(0, 12)
  const tools = new HostTools({ env, settings, runner, logs })
  const manifest = store.add(new ManifestService(paths.manifestPath, logs.logger('manifest')))
  await manifest.ensure()
  const preflight = new PreflightService({
    smolvm: () => tools.smolvm(),
    docker: () => tools.docker(),
  })
  // A report made with other smolvm/docker paths says nothing about the new ones.
  store.add(settings.onDidChange(() => preflight.invalidate()))
  const keeper = store.add(
    new RecordKeeper(new MetadataStore(paths.bottlesDir, logs.logger('metadata')), () =>
      secrets.all(),
    ),
  )
  const packCache = new PackCache({
    dir: paths.packCacheDir,
    smolvm: () => tools.smolvm(),
    resolveDigest: createDigestResolver(),
    log: logs.logger('pack'),
    inUse: async () => sidecarsInUse(keeper.all()),
  })
  const bundleImage = createBundleImage({
    docker: () => tools.docker(),
    packagedBundleDir: options.resourcesDir ? join(options.resourcesDir, 'bundle') : undefined,
    setting: () => settings.get().bundleImage,
    env,
    logger: logs.logger('bundle'),
  })
  const bottles = store.add(
    new BottleService({
      keeper,
      homeId,
      env,
      logs,
      runner,
      manifest,
      smolvm: () => tools.smolvm(),
      docker: () => tools.docker(),
      packCache,
      bundle: createBundleStarter(bundleImage),
      subnets: new SubnetAllocator(env.BOT_BOTTLE_SUBNET_POOL || DEFAULT_SUBNET_POOL),
      secrets,
      preflight: () => preflight.recent(),
      locksDir: paths.locksDir,
      bottlesDir: paths.bottlesDir,
    }),
  )
  // Every boot proves its isolation before the bottle is handed over.
  store.add(bottles.useHooks({ selftest: createIsolationSelftest() }))
  await bottles.load()
  const sessions: SessionService = store.add(
    new SessionService(
      // Capped per bottle: smolvm's agent serves 8 connections per VM, and more block.
      capSessions(
        (id, kind) => bottles.sessionCommand(id, kind),
        (id): number => sessions.list(id).filter((s) => s.state === 'running').length,
      ),
      logs.logger('sessions'),
    ),
  )
  store.add(
    bottles.useHooks({
      closeSessions: (id, reason) => sessions.closeAllForBottle(id, `bottle ${reason}`),
    }),
  )
  // A removed bottle's ended sessions have nowhere to be shown: free their scrollback.
  store.add(bottles.onEvent((e) => e.kind === 'removed' && sessions.dismissAllForBottle(e.id)))
  const agents = options.mode !== 'cli' ? store.add(runAgentSessions(bottles, sessions, log)) : null
  const egress = new EgressService({
    docker: () => tools.docker(),
    resolveBundle: (id) => {
      const b = bottles.list().find((x) => x.id === id)
      return b?.state === 'running' && b.bundle ? { container: b.bundle.container } : null
    },
    logger: logs.logger('egress'),
  })

  const reconciler = store.add(
    new Reconciler({
      bottles,
      smolvm: () => tools.smolvm(),
      docker: () => tools.docker(),
      homeId,
      bottlesDir: paths.bottlesDir,
      log: logs.logger('reconcile'),
      onAlive: agents ? (ids) => agents.resume(ids) : undefined,
    }),
  )
  const watch =
    (options.watch ?? options.mode !== 'cli')
      ? store.add(new BottleWatch(reconciler, logs.logger('watch')))
      : null
  watch?.start()

  const backend: Backend = {
    mode: options.mode,
    version: options.version ?? '0.0.0',
    env,
    paths,
    homeId,
    logs,
    log,
    runner,
    settings,
    secrets,
    tools,
    manifest,
    preflight,
    packCache,
    bottles,
    sessions,
    egress,
    reconciler,
    watch,
    dispose: () => store.dispose(),
  }
  return backend
}
