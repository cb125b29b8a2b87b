import { readFile } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { RpcError } from '../../../src-shared/rpc/errors'
import { BUNDLE_PORTS } from '../bundle/types'
import type { StepContext, StepImpl, StepOutcome } from '../launch/steps'
import type { SmolvmVersion } from '../smolvm/types'
import { smolvmFeatures, versionAtLeast } from '../smolvm/version'
import { openCanary, type Canary } from './canary'
import { parseProbeOutput, probeArgv, type ProbeLine, type ProbeOutcome } from './probe-program'

/**
 * The isolation self-test, run in the guest at every boot before the bottle
 * is handed over: the bottle is only a sandbox if this passes, whatever the
 * smolvm version claims (before 1.8.0 `--allow-cidr` is silently dropped
 * with `--from`; before 1.1.3 TSI's enforcement was doubted).
 *
 * Probes, from inside the guest:
 *  - bundle-proxy: the bundle's egress proxy (8888) must be reachable;
 *  - host-loopback: a canary the backend opens on the host's 127.0.0.1 must
 *    be unreachable AND must have accepted nothing (TSI: the guest's
 *    127.0.0.1 may be carried to the host's);
 *  - host-gateway, host-name: the same through the ways virtio-net (any
 *    egress policy from smolvm 1.1.3) offers to reach the host — its gateway
 *    100.96.0.1 and, from 1.9, `host.smolvm.internal` — each at its own
 *    loopback canary (a name the guest cannot resolve passes);
 *  - bundle-internal: the bundle's internal port 9099 must be unreachable;
 *  - outside-allowlist: an address outside the VM's allowlist must be
 *    unreachable — a canary on the bottle network's gateway when the host
 *    can bind it (Linux), else a public address smolvm does not allow on
 *    its own (publicTarget()).
 *
 * On smolvm < 1.8.0 launch does NOT add `--net`: such a `--from` machine then
 * has no network at all, so it fails closed (bundle-proxy) instead of running
 * the image's own entrypoint and the copied project with an unrestricted
 * network until this test catches it. The launch is refused either way; the
 * message names the probe and the version's known defect.
 */

export type ProbeName =
  | 'bundle-proxy'
  | 'host-loopback'
  | 'host-gateway'
  | 'host-name'
  | 'bundle-internal'
  | 'outside-allowlist'

export interface ProbeVerdict {
  probe: ProbeName
  /** host:port the guest tried. */
  target: string
  /** What the target is, in words. */
  what: string
  expect: 'reach' | 'blocked'
  outcome: ProbeOutcome
  tool: string
  /** Connections the host-side canary accepted; null where there is no canary. */
  canaryAccepted: number | null
  ok: boolean
}

export interface SelftestOptions {
  /** Seconds each connection attempt may take in the guest. */
  timeoutSec?: number
  /** The outside address used when no canary can be bound on the gateway (default: publicTarget()). */
  publicTarget?: { host: string; port: number }
}

const DEFAULT_TIMEOUT_SEC = 3
/** virtio-net's gateway: the host, as the guest sees it (smolvm-cli.md §3.1). */
export const SMOLVM_GATEWAY = '100.96.0.1'
/** The host's name in the guest from smolvm 1.9. */
export const SMOLVM_HOST_NAME = 'host.smolvm.internal'
/**
 * Public resolvers' HTTPS ports, in order of preference. smolvm adds the
 * host's resolver to every allowlist — 1.1.1.1 when it finds none
 * (`ensure_dns_in_cidrs`, §3.2) — so 1.1.1.1 is never one, nor is any
 * nameserver of the host.
 */
const PUBLIC_CANDIDATES = ['9.9.9.9', '8.8.8.8', '208.67.222.222']
const SMOLVM_FALLBACK_RESOLVER = '1.1.1.1'

/** An address outside the allowlist that smolvm does not allow on its own, given the host's resolv.conf. */
export function pickPublicTarget(resolvConf: string): { host: string; port: number } {
  const nameservers = new Set(
    resolvConf
      .split('\n')
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((ns): ns is string => ns !== undefined),
  )
  nameservers.add(SMOLVM_FALLBACK_RESOLVER)
  const host = PUBLIC_CANDIDATES.find((ip) => !nameservers.has(ip))
  if (!host)
    throw new RpcError('INTERNAL', 'self-test: every public target is a nameserver of this host')
  return { host, port: 443 }
}

/** pickPublicTarget on this host's /etc/resolv.conf (none readable: only 1.1.1.1 is excluded). */
export async function publicTarget(): Promise<{ host: string; port: number }> {
  return pickPublicTarget(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''))
}

export interface Planned {
  probe: ProbeName
  host: string
  port: number
  what: string
  expect: 'reach' | 'blocked'
  canary: Canary | null
}

export function createIsolationSelftest(options: SelftestOptions = {}): StepImpl {
  const timeoutSec = options.timeoutSec ?? DEFAULT_TIMEOUT_SEC
  return async (ctx) => {
    const verdicts = await runIsolationProbes(ctx, {
      timeoutSec,
      publicTarget: options.publicTarget ?? (await publicTarget()),
    })
    const failed = verdicts.filter((v) => !v.ok)
    if (failed.length) throw await selftestFailure(ctx, failed, verdicts)
    return { detail: describeVerdicts(verdicts) } satisfies StepOutcome
  }
}

/** Opens the canaries, runs the probe program in the guest, and judges each probe. */
export async function runIsolationProbes(
  ctx: Pick<StepContext, 'bottle' | 'exec'>,
  o: { timeoutSec: number; publicTarget: { host: string; port: number } },
): Promise<ProbeVerdict[]> {
  const net = ctx.bottle.network
  if (!net) throw new RpcError('INTERNAL', 'self-test: the bottle has no network yet')
  const canaries: Canary[] = []
  try {
    const loopbackCanary = async (): Promise<Canary> => {
      const c = await openCanary('127.0.0.1')
      if (!c) throw new RpcError('INTERNAL', 'self-test: cannot listen on 127.0.0.1')
      canaries.push(c)
      return c
    }
    // One per way to the host, so a connection names the way it came.
    const loopback = await loopbackCanary()
    const viaGateway = await loopbackCanary()
    const viaName = await loopbackCanary()
    const gateway = await openCanary(net.gateway)
    if (gateway) canaries.push(gateway)
    const planned: Planned[] = [
      {
        probe: 'bundle-proxy',
        host: net.bundleIp,
        port: BUNDLE_PORTS.egress,
        what: 'the bundle’s egress proxy',
        expect: 'reach',
        canary: null,
      },
      {
        probe: 'host-loopback',
        host: '127.0.0.1',
        port: loopback.port,
        what: 'the host’s loopback',
        expect: 'blocked',
        canary: loopback,
      },
      {
        probe: 'host-gateway',
        host: SMOLVM_GATEWAY,
        port: viaGateway.port,
        what: 'the host’s loopback through virtio-net’s gateway',
        expect: 'blocked',
        canary: viaGateway,
      },
      {
        probe: 'host-name',
        host: SMOLVM_HOST_NAME,
        port: viaName.port,
        what: `the host’s loopback through ${SMOLVM_HOST_NAME}`,
        expect: 'blocked',
        canary: viaName,
      },
      {
        probe: 'bundle-internal',
        host: net.bundleIp,
        port: BUNDLE_PORTS.internal,
        what: 'the bundle’s internal port',
        expect: 'blocked',
        canary: null,
      },
      gateway
        ? {
            probe: 'outside-allowlist',
            host: net.gateway,
            port: gateway.port,
            what: 'the bottle network’s gateway (outside the allowlist)',
            expect: 'blocked',
            canary: gateway,
          }
        : {
            probe: 'outside-allowlist',
            ...o.publicTarget,
            what: 'a public address (outside the allowlist)',
            expect: 'blocked',
            canary: null,
          },
    ]
    const targets = planned.map((p) => ({ name: p.probe, host: p.host, port: p.port }))
    const result = await ctx.exec(probeArgv(targets, o.timeoutSec), {
      timeoutMs: (o.timeoutSec * planned.length + 20) * 1000,
    })
    const parsed = parseProbeOutput(result.stdout)
    if ('noTool' in parsed) {
      throw new RpcError(
        'PRECONDITION',
        `isolation self-test cannot run: ${parsed.noTool}; add one of them (busybox will do) to the agent image`,
        { probes: [] },
      )
    }
    if (parsed.lines.length === 0) {
      throw new RpcError(
        'COMMAND_FAILED',
        `isolation self-test: the probe program printed no result (exit ${result.exitCode})`,
        { exitCode: result.exitCode, stderr: result.stderr.slice(-4000) },
      )
    }
    // A connection the guest made is in the canary's accept queue by now; give it a turn to count.
    await sleep(50)
    return planned.map((p) =>
      judgeProbe(
        p,
        parsed.lines.find((l) => l.probe === p.probe),
      ),
    )
  } finally {
    await Promise.all(canaries.map((c) => c.close()))
  }
}

/** One probe's verdict: what the guest reported AND what its canary saw. */
export function judgeProbe(p: Planned, line: ProbeLine | undefined): ProbeVerdict {
  const outcome = line?.outcome ?? 'error'
  const accepted = p.canary ? p.canary.accepted : null
  const ok =
    p.expect === 'reach'
      ? outcome === 'connected'
      : outcome !== 'connected' && outcome !== 'error' && !accepted
  return {
    probe: p.probe,
    target: `${p.host}:${p.port}`,
    what: p.what,
    expect: p.expect,
    outcome,
    tool: line?.tool ?? '?',
    canaryAccepted: accepted,
    ok,
  }
}

/** One line for the boot timeline: each probe's result. */
export function describeVerdicts(verdicts: readonly ProbeVerdict[]): string {
  const tool = verdicts.find((v) => v.tool !== '?')?.tool ?? '?'
  const parts = verdicts.map((v) => {
    const canary =
      v.canaryAccepted === null
        ? ''
        : v.canaryAccepted
          ? `, canary accepted ${v.canaryAccepted}`
          : ', canary quiet'
    return `${v.probe} ${v.target} ${v.outcome}${canary} ${v.ok ? '✓' : '✗'}`
  })
  return `${parts.join('; ')} (via ${tool})`
}

function failureText(v: ProbeVerdict): string {
  if (v.expect === 'reach')
    return `${v.probe} — the guest cannot reach ${v.what} at ${v.target} (${v.outcome})`
  if (v.outcome === 'error') return `${v.probe} — no result for ${v.what} at ${v.target}`
  const canary = v.canaryAccepted
    ? ` and the canary there accepted ${v.canaryAccepted} connection(s)`
    : ''
  const said =
    v.outcome === 'connected' ? 'the guest connected to' : `the guest reported ${v.outcome} for`
  return `${v.probe} — ${said} ${v.what} at ${v.target}${canary}`
}

/** What to do about it: the version's known defect first, else where to look. */
export function selftestAdvice(
  failed: readonly ProbeVerdict[],
  version: SmolvmVersion | null,
  bottle: { network: { bundleIp: string } | null; bundle: { container: string } | null },
): string {
  if (version && !smolvmFeatures(version).fromKeepsEgressPolicy) {
    const tsi = versionAtLeast(version, '1.1.3')
      ? ''
      : ' (and its TSI egress filter is not trusted before 1.1.3)'
    return `smolvm ${version.raw} drops --allow-cidr with --from${tsi}: upgrade smolvm to ≥ 1.8.0`
  }
  if (failed.every((v) => v.expect === 'reach')) {
    return `check that the bundle container ${bottle.bundle?.container ?? ''} is running, and its log (source “bundle”)`
  }
  const v = version ? `smolvm ${version.raw}` : 'smolvm'
  return `${v} did not enforce --allow-cidr ${bottle.network?.bundleIp ?? '<bundle-ip>'}/32 on this host: do not use it for bottles, and report this probe to smolvm`
}

async function selftestFailure(
  ctx: StepContext,
  failed: ProbeVerdict[],
  verdicts: ProbeVerdict[],
): Promise<RpcError> {
  const version = await ctx.smolvm.version().catch(() => null)
  const fix = selftestAdvice(failed, version, ctx.bottle)
  return new RpcError(
    'PRECONDITION',
    `isolation self-test failed: ${failed.map(failureText).join('; ')}. ${fix}`,
    { probes: verdicts, smolvmVersion: version?.raw ?? null, fix },
  )
}
