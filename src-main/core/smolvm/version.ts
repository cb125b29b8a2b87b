import type { SmolvmVersion } from './types'

/** Reads `smolvm --version` output (`smolvm X.Y.Z`, clap's `#[command(version)]`). */
export function parseSmolvmVersion(output: string): SmolvmVersion | null {
  const m = /^smolvm (\d+)\.(\d+)\.(\d+)(\S*)\s*$/m.exec(output)
  if (!m) return null
  return {
    raw: `${m[1]}.${m[2]}.${m[3]}${m[4]}`,
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
  }
}

/** Compares release numbers only (a pre-release suffix counts as its release). */
export function compareVersions(a: SmolvmVersion, b: SmolvmVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

export function versionAtLeast(v: SmolvmVersion, atLeast: string): boolean {
  const [major = 0, minor = 0, patch = 0] = atLeast.split('.').map(Number)
  return compareVersions(v, { raw: atLeast, major, minor, patch }) >= 0
}

/**
 * What changes between smolvm releases, as far as this app cares
 * (shared/reference/smolvm-cli.md, checked against the source at each tag).
 */
export interface SmolvmFeatures {
  /** ≥1.0.2: `machine create|delete|data-dir` take `--name`; before, a positional NAME. */
  nameFlag: boolean
  /** ≥1.8.0: `machine create --from` keeps `--allow-cidr`; before, it is silently dropped
   * and a `--from` machine without `--net` has no network at all. */
  fromKeepsEgressPolicy: boolean
  /** Before 1.0.0 every `start` re-reads the `.smolmachine` a machine was created from: it must stay in place. */
  startNeedsSidecar: boolean
  /** ≥1.7.2: `delete` refuses to drop the record while the VMM survives (issue #787). */
  deleteWaitsForVmm: boolean
  /**
   * ≥1.1.0: `pack create --image repo@sha256:…` pulls by digest (commit 1e86d643);
   * before, the agent's `crane blob repo@sha256:…@<layer>` fails on every such reference.
   */
  pullsByDigest: boolean
}

export function smolvmFeatures(v: SmolvmVersion): SmolvmFeatures {
  return {
    nameFlag: versionAtLeast(v, '1.0.2'),
    fromKeepsEgressPolicy: versionAtLeast(v, '1.8.0'),
    startNeedsSidecar: !versionAtLeast(v, '1.0.0'),
    deleteWaitsForVmm: versionAtLeast(v, '1.7.2'),
    pullsByDigest: versionAtLeast(v, '1.1.0'),
  }
}
