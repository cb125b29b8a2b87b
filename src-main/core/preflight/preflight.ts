import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { PreflightCheck, PreflightReport } from '../../../src-shared/contract'
import type { Docker } from '../docker/types'
import { INSTALL_HINT } from '../smolvm/errors'
import { versionAtLeast } from '../smolvm/version'
import type { Smolvm, SmolvmVersion } from '../smolvm/types'

export interface PreflightDeps {
  smolvm: () => Promise<Smolvm>
  docker: () => Docker
  platform?: NodeJS.Platform
  arch?: string
  /** Checks read-write access to /dev/kvm (injectable for tests). */
  kvmAccess?: (path: string, mode: number) => Promise<void>
}

/** Below these, a feature the sandbox relies on is missing or doubtful (shared/reference/smolvm-cli.md). */
const FROM_KEEPS_ALLOW_CIDR = '1.8.0'
const TSI_ENFORCEMENT = '1.1.3'

/**
 * What must hold before a bottle can launch: smolvm present (and how much to
 * trust its version), docker reachable, a supported platform and, on Linux,
 * a usable /dev/kvm. Each problem comes with a one-line fix.
 */
export async function runPreflight(deps: PreflightDeps): Promise<PreflightReport> {
  const platform = deps.platform ?? process.platform
  const arch = deps.arch ?? process.arch
  const [smolvm, docker] = await Promise.all([checkSmolvm(deps), checkDocker(deps)])
  const checks = [checkPlatform(platform, arch), ...smolvm.checks, docker]
  if (platform === 'linux') checks.push(await checkKvm(deps.kvmAccess ?? access))
  return { ok: checks.every((c) => c.status !== 'fail'), checks, smolvmVersion: smolvm.version }
}

function check(
  id: string,
  label: string,
  status: PreflightCheck['status'],
  detail: string,
  fix: string | null = null,
): PreflightCheck {
  return { id, label, status, detail, fix }
}

function checkPlatform(platform: NodeJS.Platform, arch: string): PreflightCheck {
  if (platform === 'darwin' && arch === 'arm64')
    return check('platform', 'Platform', 'ok', 'macOS on Apple Silicon')
  if (platform === 'linux') return check('platform', 'Platform', 'ok', `Linux ${arch}`)
  if (platform === 'darwin') {
    return check(
      'platform',
      'Platform',
      'fail',
      `macOS on ${arch}: smolvm ships for Apple Silicon only`,
      'Use a Mac with Apple Silicon (M1 or later) or a Linux host with KVM.',
    )
  }
  return check(
    'platform',
    'Platform',
    'fail',
    `${platform} is not supported`,
    'Run Bot Bottle on macOS (Apple Silicon) or Linux.',
  )
}

const UPGRADE = `Upgrade smolvm to ${FROM_KEEPS_ALLOW_CIDR} or later (curl -sSL https://smolmachines.com/install.sh | bash).`

async function checkSmolvm(
  deps: PreflightDeps,
): Promise<{ checks: PreflightCheck[]; version: string | null }> {
  const fail = (detail: string, fix: string) => ({
    checks: [check('smolvm', 'smolvm', 'fail', detail, fix)],
    version: null,
  })
  let smolvm: Smolvm
  try {
    smolvm = await deps.smolvm()
  } catch (e) {
    // The error ends with the install hint: it goes in `fix`, once.
    return fail(errorText(e).replace(INSTALL_HINT, '').trim(), INSTALL_HINT)
  }
  let v: SmolvmVersion
  try {
    v = await smolvm.version()
  } catch (e) {
    return fail(
      `${smolvm.binary} does not answer --version: ${errorText(e)}`,
      `Reinstall smolvm. ${INSTALL_HINT}`,
    )
  }
  const checks = [check('smolvm', 'smolvm', 'ok', `smolvm ${v.raw} at ${smolvm.binary}`)]
  const egress = !versionAtLeast(v, TSI_ENFORCEMENT)
    ? `smolvm ${v.raw}: before ${TSI_ENFORCEMENT} the TSI egress allow-list may not be enforced, and before ${FROM_KEEPS_ALLOW_CIDR} \`--from\` drops --allow-cidr`
    : !versionAtLeast(v, FROM_KEEPS_ALLOW_CIDR)
      ? `smolvm ${v.raw}: before ${FROM_KEEPS_ALLOW_CIDR} \`machine create --from\` silently drops --allow-cidr, so the guest is not limited to its bundle`
      : null
  if (egress) checks.push(check('smolvm-egress', 'smolvm egress policy', 'warn', egress, UPGRADE))
  return { checks, version: v.raw }
}

async function checkDocker(deps: PreflightDeps): Promise<PreflightCheck> {
  try {
    const docker = deps.docker()
    const version = await docker.serverVersion()
    return check('docker', 'Docker engine', 'ok', `Docker ${version} (${docker.binary})`)
  } catch (e) {
    const message = errorText(e)
    // The docker wrapper's errors end with the fix after a colon; keep the reason and the fix apart.
    const fix = /: (install|start|add|is dockerd)/i.exec(message)
    return check(
      'docker',
      'Docker engine',
      'fail',
      fix ? message.slice(0, fix.index) : message,
      fix
        ? message.slice(fix.index + 2).replace(/^./, (c) => c.toUpperCase())
        : 'Install Docker and start its engine.',
    )
  }
}

async function checkKvm(
  kvmAccess: (path: string, mode: number) => Promise<void>,
): Promise<PreflightCheck> {
  try {
    await kvmAccess('/dev/kvm', constants.R_OK | constants.W_OK)
    return check('kvm', 'KVM', 'ok', '/dev/kvm is readable and writable')
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      return check(
        'kvm',
        'KVM',
        'fail',
        '/dev/kvm does not exist',
        'Enable virtualization in the firmware, then: sudo modprobe kvm_intel (or kvm_amd).',
      )
    }
    return check(
      'kvm',
      'KVM',
      'fail',
      `/dev/kvm is not read-write for you (${code ?? errorText(e)})`,
      'Add yourself to the kvm group: sudo usermod -aG kvm "$USER", then log in again.',
    )
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
