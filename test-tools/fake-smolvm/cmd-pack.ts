import { createHash } from 'node:crypto'
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs'
import { arch, platform } from 'node:os'
import { dirname, resolve } from 'node:path'
import { ClapError, one } from './clap'
import type { SidecarManifest } from './cmd-create'
import { out, type Invocation } from './context'
import { agentFailed, configFailed } from './fail'
import { grammarFor } from './grammar'
import { show, since } from './version'

const DIGEST_REF = /@(sha256:[a-f0-9]{64})$/

const fakeHash = (text: string): string =>
  `sha256:${createHash('sha256').update(`fake-smolvm:${text}`).digest('hex')}`

/**
 * The digest the "registry" serves for a ref: a digest reference is that
 * digest; a tag is deterministic, or what the control file says (a moved tag).
 */
function digestOf(inv: Invocation, image: string): string {
  return DIGEST_REF.exec(image)?.[1] ?? inv.control.digests?.[image] ?? fakeHash(image)
}

function ociArch(): string {
  return arch() === 'x64' ? 'amd64' : arch()
}

/**
 * `pack create --image REF -o PATH`: the executable stub at PATH and the
 * sidecar at PATH.smolmachine (`sidecar_path_for` appends to the full file
 * name). From 1.7.0 an output ending in .smolmachine is refused.
 */
export function packCreate(inv: Invocation): number {
  const { parsed, version: v } = inv
  const image = one(parsed, 'image')
  if (image === undefined) {
    throw new ClapError(
      'the following required arguments were not provided:\n  --image <IMAGE>',
      grammarFor(v, 'pack create')?.usage ?? '',
    )
  }
  const output = resolve(one(parsed, 'output') as string)
  if (since(v, '1.7.0') && /[^/]\.smolmachine$/i.test(output)) {
    const stem = output.replace(/\.smolmachine$/i, '')
    throw configFailed(
      'pack create',
      `--output names the executable stub, not the .smolmachine sidecar (which is created automatically as '<output>.smolmachine'). Use --output ${stem} instead.`,
    )
  }
  if (!existsSync(dirname(output)))
    throw agentFailed('pack binary', 'No such file or directory (os error 2)')

  out('Starting agent VM...')
  out(`Pulling image ${image}...`)
  // Before 1.1.0 (commit 1e86d643) the agent fetches layers with `crane blob <image>@<layer>`,
  // which crane refuses when <image> already carries a digest.
  if (DIGEST_REF.test(image) && !since(v, '1.1.0'))
    throw agentFailed('pull image', `crane blob failed for layer ${fakeHash(`layer:${image}`)}`)
  const manifest: SidecarManifest = {
    fake_smolvm_sidecar: 1,
    mode: 'container',
    image,
    digest: digestOf(inv, image),
    platform: `linux/${ociArch()}`,
    host_platform: `${platform()}/${ociArch()}`,
    cpus: Number(one(parsed, 'cpus') ?? 4),
    mem: Number(one(parsed, 'mem') ?? 8192),
    network: false,
    gpu: false,
    entrypoint: [],
    cmd: [],
    env: [],
    workdir: null,
    created: new Date().toISOString(),
    smolvm_version: show(v),
  }
  const sidecar = `${output}.smolmachine`
  writeFileSync(
    output,
    '#!/bin/sh\necho "fake smolvm packed stub: run it with a real smolvm" >&2\nexit 1\n',
  )
  chmodSync(output, 0o755)
  writeFileSync(sidecar, JSON.stringify(manifest, null, 2) + '\n')
  const kb = (p: string): number => Math.floor(statSync(p).size / 1024)
  out(`Packed: ${output} (stub: ${kb(output)}KB, total: ${kb(output) + kb(sidecar)}KB)`)
  out(`Assets: ${sidecar} (${kb(sidecar)}KB compressed)`)
  out(`\nRun with: ${output}`)
  out('Note: Keep the .smolmachine file alongside the binary')
  out('Options: --help for usage')
  return 0
}
