import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeFakeHome, type FakeHome, type FakeResult } from './harness'

/** The fake's grammar, spawned as a process: clap's exit 2 in both argv dialects, smolvm's own exit 1. */

let fake: FakeHome
beforeAll(async () => {
  fake = await makeFakeHome()
})
afterAll(async () => {
  await fake.cleanup()
})

const as = (version: string, args: string[]): Promise<FakeResult> =>
  fake.run(args, { env: { SMOLVM_FAKE_VERSION: version } })

function expectUsage(r: FakeResult, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(2)
  expect(r.stderr).toMatch(/^error: /)
  expect(r.stderr).toMatch(message)
  expect(r.stderr).toMatch(/^Usage: smolvm /m)
  expect(r.stdout).toBe('')
}

describe('fake smolvm grammar', () => {
  it('prints the played version', async () => {
    expect((await as('0.8.2', ['--version'])).stdout).toBe('smolvm 0.8.2\n')
    expect((await fake.run(['--version'])).stdout).toBe('smolvm 1.9.3\n')
  })

  it('takes the name positionally up to 1.0.1 and as --name from 1.0.2', async () => {
    expectUsage(
      await as('1.0.1', ['machine', 'create', '--name', 'a']),
      /unexpected argument '--name' found/,
    )
    expectUsage(await as('1.0.2', ['machine', 'create', 'a']), /unexpected argument 'a' found/)
    expectUsage(
      await as('0.8.2', ['machine', 'delete', '--name', 'a', '-f']),
      /unexpected argument '--name'/,
    )
    expectUsage(await as('1.9.3', ['machine', 'delete', 'a', '-f']), /unexpected argument 'a'/)
    expectUsage(
      await as('1.9.3', ['machine', 'delete', '-f']),
      /required arguments were not provided:\n {2}--name <NAME>/,
    )
    expectUsage(
      await as('0.8.2', ['machine', 'data-dir']),
      /required arguments were not provided:\n {2}<NAME>/,
    )
    expectUsage(
      await as('1.0.1', ['machine', 'data-dir', '--name', 'a']),
      /unexpected argument '--name'/,
    )
  })

  it('has no -n on exec, in any release', async () => {
    for (const v of ['0.8.2', '1.9.3']) {
      expectUsage(
        await as(v, ['machine', 'exec', '-n', 'a', '--', 'true']),
        /unexpected argument '-n' found/,
      )
    }
  })

  it('rejects unknown flags, missing and bad values, conflicts and repeats', async () => {
    const cases: [string[], RegExp][] = [
      [['machine', 'start', '--name', 'a', '--bogus'], /unexpected argument '--bogus' found/],
      [['machine', 'start', '--name'], /a value is required for '--name <NAME>'/],
      [
        ['machine', 'create', '--name', 'a', '--allow-cidr', 'nonsense'],
        /invalid value 'nonsense' for '--allow-cidr <CIDR>': invalid CIDR 'nonsense'/,
      ],
      [['machine', 'create', '--name', 'a', '--allow-cidr', '10.0.0.0/33'], /invalid CIDR/],
      [['machine', 'create', '--name', 'a', '--cpus', '256'], /256 is not in 0\.\.=255/],
      [['machine', 'create', '--name', 'a', '--cpus', 'two'], /invalid digit found in string/],
      [['machine', 'create', '--name', 'a', '-p', '0'], /port 0 is not valid/],
      [
        ['machine', 'create', '--name', 'a', '--from', '/x', '--image', 'alpine'],
        /the argument '--from <PATH>' cannot be used with '--image <IMAGE>'/,
      ],
      [['machine', 'create', '--name', 'a', '--name', 'b'], /cannot be used multiple times/],
      [
        ['machine', 'exec', '--name', 'a', '--timeout', '0s', '--', 'true'],
        /timeout must be greater than 0/,
      ],
      [['machine', 'exec', '--name', 'a'], /required arguments were not provided:\n {2}<COMMAND>/],
      [['machine', 'frobnicate'], /unrecognized subcommand 'frobnicate'/],
      [['pack', 'create', '--image', 'alpine'], /--output <PATH>/],
    ]
    const results = await Promise.all(cases.map(([args]) => fake.run(args)))
    results.forEach((r, i) => expectUsage(r, (cases[i] as [string[], RegExp])[1]))
  })

  it('treats what follows -- as positional: a flag there is an error where nothing takes it', async () => {
    expectUsage(
      await fake.run(['machine', 'start', '--', '--name', 'a']),
      /unexpected argument '--name' found/,
    )
    expectUsage(
      await as('0.8.2', ['machine', 'delete', 'a', '--', '-f']),
      /unexpected argument '-f' found/,
    )
  })

  it('reports --cpus 0 as smolvm validation (exit 1), not a usage error', async () => {
    const r = await fake.run(['machine', 'create', '--name', 'cpu0', '--cpus', '0'])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(
      'Error: config operation failed: validate resources: CPU count must be at least 1\n',
    )
  })

  it.each([
    ['-lead', 'machine name must start with a letter or digit (got: "-lead")'],
    ['trail-', 'machine name cannot end with a hyphen (got: "trail-")'],
    ['a--b', 'machine name cannot contain consecutive hyphens'],
    ['a/b', 'machine name cannot contain path separators'],
    ['a.b', "machine name contains invalid character: '.'"],
    ['x'.repeat(129), 'machine name too long: 129 characters (max 128)'],
  ])("validates the name %j with smolvm's message", async (name, message) => {
    const r = await fake.run(['machine', 'create', `--name=${name}`])
    expect(r.exitCode).toBe(1)
    expect(r.stderr).toBe(`Error: config operation failed: create machine: ${message}\n`)
  })

  it('refuses flags it does not emulate instead of ignoring them', async () => {
    const r = await fake.run(['machine', 'create', '--name', 'a', '--init', 'true'])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/fake smolvm does not emulate '--init'/)
  })
})
