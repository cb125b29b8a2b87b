import { describe, expect, it } from 'vitest'
import type { CommandResult } from '../base/exec'
import { classifySmolvmFailure, isOwnExecFailure, smolvmError } from './errors'

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
