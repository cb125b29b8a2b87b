import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { create as createTar } from 'tar'
import { RpcError } from '../../../src-shared/rpc/errors'
import type { CommandInput, CommandResult, CommandRunner } from '../base/exec'
import { versionAtLeast } from '../smolvm/version'
import type { GuestEnvVar, Smolvm } from '../smolvm/types'
import { listProjectFiles } from './project-files'

/** Where the archive lands in the guest when it cannot be streamed (removed after extraction). */
export const GUEST_ARCHIVE_NAME = '.bot-bottle-workspace.tar'
/** `exec -i` streams stdin reliably from here on (issue #926, EAGAIN on larger inputs before). */
const STREAM_STDIN_SINCE = '1.8.1'
const EXEC_TIMEOUT_MS = 10 * 60_000

export interface WorkdirTarget {
  smolvm: Smolvm
  machine: string
  workdir: string
  env?: readonly GuestEnvVar[]
  signal?: AbortSignal
}

/**
 * Makes sure the guest workdir exists. Paths inside guest commands are kept
 * relative to a `-w` directory: the guest resolves them the same either way,
 * and the test fake maps only `-w` and `cp` paths.
 */
export async function ensureGuestDir(t: WorkdirTarget): Promise<void> {
  const rel = t.workdir.replace(/^\/+/, '')
  if (!rel) return
  await guest(t, ['mkdir', '-p', rel], '/', `create ${t.workdir} in the guest`)
}

/**
 * Copies the project folder (what .gitignore lets through) into the guest
 * workdir: streamed into `tar -x` on smolvm ≥1.8.1, else copied as one
 * archive with `machine cp`, extracted and removed.
 */
export async function copyWorkdir(
  projectDir: string,
  t: WorkdirTarget & { runner: CommandRunner },
): Promise<{ files: number; bytes: number }> {
  const files = await listProjectFiles(projectDir, t.runner, t.signal)
  if (files.length === 0) return { files: 0, bytes: 0 }
  const tmp = await mkdtemp(join(tmpdir(), 'bot-bottle-workdir-'))
  try {
    const archive = join(tmp, 'workspace.tar')
    // portable: no host uid/gid or user names leak into the guest.
    await createTar(
      { cwd: projectDir, file: archive, portable: true, follow: false, noDirRecurse: true },
      files,
    )
    const { size } = await stat(archive)
    t.signal?.throwIfAborted()
    const version = await t.smolvm.version()
    if (versionAtLeast(version, STREAM_STDIN_SINCE)) {
      await guest(
        t,
        ['tar', '-x', '-f', '-'],
        t.workdir,
        'extract the project in the guest',
        // Streamed from disk: a large project never sits in memory whole.
        { file: archive },
      )
    } else {
      await t.smolvm.cpIn(t.machine, archive, posix.join(t.workdir, GUEST_ARCHIVE_NAME), {
        signal: t.signal,
      })
      t.signal?.throwIfAborted()
      await guest(
        t,
        ['tar', '-x', '-f', GUEST_ARCHIVE_NAME],
        t.workdir,
        'extract the project in the guest',
      )
      await guest(t, ['rm', '-f', GUEST_ARCHIVE_NAME], t.workdir, 'remove the copied archive')
    }
    return { files: files.length, bytes: size }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

async function guest(
  t: WorkdirTarget,
  argv: string[],
  workdir: string,
  what: string,
  input?: CommandInput,
): Promise<CommandResult> {
  const r = await t.smolvm.exec(t.machine, argv, {
    workdir,
    env: t.env,
    timeoutMs: EXEC_TIMEOUT_MS,
    input,
    signal: t.signal,
  })
  if (r.exitCode !== 0) {
    const last = r.stderr.trim().split('\n').pop() || `exit code ${r.exitCode}`
    throw new RpcError('COMMAND_FAILED', `${what}: ${last}`, {
      command: argv.join(' '),
      exitCode: r.exitCode,
      stderr: r.stderr.slice(-8000),
    })
  }
  return r
}
