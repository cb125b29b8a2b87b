import { describe, expect, it } from 'vitest'
import type { CommandResult } from '../base/exec'
import {
  classifySmolvmFailure,
  isOwnExecFailure,
  isStreamBroken,
  smolvmError,
  streamBrokeError,
} from './errors'

const result = (
  exitCode: number,
  stderr: string,
  extra: Partial<CommandResult> = {},
): CommandResult => ({
  exitCode,
  stdout: '',
  stderr,
  timedOut: false,
  cancelled: false,
  durationMs: 1,
  ...extra,
})

describe('smolvm error mapping', () => {
  it.each([
    [
      result(
        2,
        "error: unexpected argument '-n' found\n\nUsage: smolvm machine exec [OPTIONS] <COMMAND>...\n",
      ),
      'usage',
    ],
    [result(1, 'Error: vm not found: b1\n'), 'not-found'],
    [
      result(1, "Error: config operation failed: machine status: machine 'b1' not found\n"),
      'not-found',
    ],
    [
      result(
        1,
        "Error: config operation failed: create machine: machine 'b1' already exists or is being created\n",
      ),
      'already-exists',
    ],
    [
      result(
        1,
        "Error: agent operation failed: connect: machine 'b1' is not running. Use 'smolvm machine start --name b1' first.\n",
      ),
      'not-running',
    ],
    [
      result(1, 'Error: kvm permission denied: Cannot access /dev/kvm (permission denied).\n'),
      'kvm',
    ],
    [result(1, 'Error: kvm not available: KVM not available.\n'), 'kvm'],
    [result(-1, '\nENOENT: spawn /nope ENOENT'), 'not-installed'],
    [result(-1, '', { timedOut: true }), 'timeout'],
    [result(1, 'Error: io operation failed: disk full\n'), 'other'],
  ] as const)('%#: %s → %s', (r, kind) => {
    expect(classifySmolvmFailure(r)).toBe(kind)
  })

  it('tells smolvm failures of exec from the guest exiting 1 or 2', () => {
    expect(isOwnExecFailure(result(1, 'Error: vm not found: b1\n'))).toBe(true)
    expect(
      isOwnExecFailure(
        result(
          1,
          'lots of guest output\nError: agent operation failed: vm exec: failed to spawn command: x\n',
        ),
      ),
    ).toBe(true)
    // A guest program's own "Error:" lines are not smolvm's.
    expect(isOwnExecFailure(result(1, 'Error: Cannot find module /w/x.js\n'))).toBe(false)
    expect(isOwnExecFailure(result(1, ''))).toBe(false)
    expect(isOwnExecFailure(result(2, 'grep: nope: No such file or directory\n'))).toBe(false)
    expect(
      isOwnExecFailure(
        result(2, "error: unexpected argument '-x' found\n\nUsage: smolvm machine exec …\n"),
      ),
    ).toBe(true)
    expect(isOwnExecFailure(result(124, '\ncommand timed out after 5ms'))).toBe(false)
  })

  it('tells a broken --stream (lowercase error: and exit 1) from the guest, and only for --stream', () => {
    const reset =
      'guest line\nerror: io operation failed: Connection reset by peer (os error 104)\n'
    expect(isStreamBroken(result(1, reset))).toBe(true)
    // The line follows whatever the guest left unfinished, a progress bar say.
    expect(
      isStreamBroken(result(1, '40%\r80%error: io operation failed: connection closed\n')),
    ).toBe(true)
    expect(
      isStreamBroken(result(1, 'error: agent operation failed: validate frame: frame too large\n')),
    ).toBe(true)
    expect(
      isStreamBroken(
        result(
          1,
          'error: streaming output exceeded 11534336 byte cap; exec terminated (output truncated)\n',
        ),
      ),
    ).toBe(true)
    // A guest's own lowercase errors, or smolvm's line not at the end, or another exit code.
    expect(isStreamBroken(result(1, 'error: pathspec x did not match any file(s)\n'))).toBe(false)
    expect(isStreamBroken(result(1, 'error: io operation failed: x\nguest goes on\n'))).toBe(false)
    expect(isStreamBroken(result(2, 'error: io operation failed: x\n'))).toBe(false)
    // Outside the stream printer the same text is the guest's (smolvm says `Error:` there).
    expect(isOwnExecFailure(result(1, 'error: io operation failed: x\n'))).toBe(false)

    const args = (...flags: string[]) => ({
      file: '/bin/smolvm',
      args: ['machine', 'exec', '--name', 'b1', ...flags, '--', 'sh', '-c', 'x --stream'],
      timeoutMs: 1000,
    })
    const broke = streamBrokeError(args('--stream'), result(1, reset))
    expect(broke).toMatchObject({
      kind: 'other',
      code: 'COMMAND_FAILED',
      message:
        'smolvm machine exec b1: error: io operation failed: Connection reset by peer (os error 104)',
    })
    expect(streamBrokeError(args('--stream'), result(1, 'error: the guest’s own\n'))).toBeNull()
    // `--stream` only in the guest's argv, or with -i (which smolvm serves without the stream printer).
    expect(streamBrokeError(args(), result(1, reset))).toBeNull()
    expect(streamBrokeError(args('-i', '--stream'), result(1, reset))).toBeNull()
  })

  it('builds a SmolvmError carrying the masked command, stderr and kind', () => {
    const spec = {
      file: '/bin/smolvm',
      args: ['machine', 'start', '--name', 'b1'],
      timeoutMs: 1000,
      secrets: ['sk-secret-1'],
    }
    const e = smolvmError(
      spec,
      result(1, 'Error: vm not found: b1 (sk-secret-1)\n'),
      'smolvm machine start b1',
    )
    expect(e.kind).toBe('not-found')
    expect(e.code).toBe('COMMAND_FAILED')
    expect(e.message).toBe('smolvm machine start b1: Error: vm not found: b1 (••••)')
    expect(e.failure).toMatchObject({
      command: '/bin/smolvm machine start --name b1',
      exitCode: 1,
      kind: 'not-found',
    })
    const missing = smolvmError(
      { ...spec, file: '/nope/smolvm' },
      result(-1, '\nENOENT: spawn'),
      'smolvm --version',
    )
    expect(missing.kind).toBe('not-installed')
    expect(missing.message).toMatch(/install\.sh/)
    expect(smolvmError(spec, result(-1, '', { timedOut: true }), 'x').code).toBe('TIMEOUT')
  })
})
