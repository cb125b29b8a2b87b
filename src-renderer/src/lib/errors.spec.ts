import { describe, expect, it } from 'vitest'
import { commandFailure, formErrors } from './errors'

describe('formErrors', () => {
  const fields = ['agent', 'projectDir'] as const

  it('puts details.issues on their fields and keeps the rest general', () => {
    const onField = formErrors(
      {
        code: 'INVALID_PARAMS',
        message: 'invalid',
        details: { issues: [{ path: 'projectDir', message: 'must be an absolute path' }] },
      },
      fields,
    )
    expect(onField).toEqual({ fields: { projectDir: 'must be an absolute path' }, general: null })
    const elsewhere = formErrors(
      {
        code: 'INVALID_PARAMS',
        message: 'invalid',
        details: { issues: [{ path: 'volumes.0', message: 'not a folder' }] },
      },
      fields,
    )
    expect(elsewhere.general?.message).toBe('invalid')
  })

  it('reads the field from a "field: reason" message when there are no details', () => {
    expect(
      formErrors({ code: 'INVALID_PARAMS', message: 'projectDir: /x is not a folder' }, fields),
    ).toEqual({ fields: { projectDir: '/x is not a folder' }, general: null })
    // Not a field of this form, or not a refusal of the input: shown whole.
    const vol = { code: 'INVALID_PARAMS', message: 'volumes.0: /y is not a folder' } as const
    expect(formErrors(vol, fields).general).toEqual(vol)
    const other = { code: 'PRECONDITION', message: 'agent: busy' } as const
    expect(formErrors(other, fields)).toEqual({ fields: {}, general: other })
  })
})

describe('commandFailure', () => {
  it('reads {command, exitCode, stderr}, with argv arrays joined', () => {
    expect(
      commandFailure({
        code: 'COMMAND_FAILED',
        message: 'x',
        details: { command: ['docker', 'run'], exitCode: 125, stderr: 'boom' },
      }),
    ).toEqual({ command: 'docker run', exitCode: 125, stderr: 'boom' })
    expect(commandFailure({ code: 'INTERNAL', message: 'x' })).toBeNull()
    expect(commandFailure({ code: 'INTERNAL', message: 'x', details: { other: 1 } })).toBeNull()
  })
})
