import { afterEach, describe, expect, it } from 'vitest'
import { FAKE_SMOLVM, makeFakeHome, type FakeHome } from '../../../test-tools/fake-smolvm/harness'
import { need } from '../../../test-support/prereqs'
import { CommandRunner } from '../base/exec'
import { nullLogger } from '../base/logger'
import { createDocker } from '../docker/docker'
import { resolveSmolvmBinary } from '../smolvm/binary'
import { createSmolvm } from '../smolvm/smolvm'
import { runPreflight, type PreflightDeps } from './preflight'

const runner = new CommandRunner()
const realDocker = () => createDocker({ binary: process.env.BOT_BOTTLE_DOCKER || 'docker', runner })
const noDocker = () => createDocker({ binary: '/nonexistent/docker', runner })
const kvmOk = async (): Promise<void> => {}

describe('preflight', () => {
  let fake: FakeHome | null = null
  afterEach(async () => {
    await fake?.cleanup()
    fake = null
  })

  async function smolvmPlaying(version: string): Promise<PreflightDeps['smolvm']> {
    fake = await makeFakeHome({ version })
    const smolvm = createSmolvm({ binary: FAKE_SMOLVM, runner, logger: nullLogger, env: fake.env })
    return async () => smolvm
  }

  function byId(report: Awaited<ReturnType<typeof runPreflight>>) {
    return Object.fromEntries(report.checks.map((c) => [c.id, c]))
  }

  it.runIf(need('docker'))(
    'passes on Linux with smolvm, docker and a usable /dev/kvm',
    async () => {
      const report = await runPreflight({
        smolvm: await smolvmPlaying('1.9.3'),
        docker: realDocker,
        platform: 'linux',
        arch: 'x64',
        kvmAccess: kvmOk,
      })
      expect(report.ok).toBe(true)
      expect(report.smolvmVersion).toBe('1.9.3')
      expect(report.checks.map((c) => [c.id, c.status])).toEqual([
        ['platform', 'ok'],
        ['smolvm', 'ok'],
        ['docker', 'ok'],
        ['kvm', 'ok'],
      ])
    },
  )

  it('warns about old smolvm egress handling without failing', async () => {
    const onMac = async (version: string) => {
      await fake?.cleanup()
      const smolvm = await smolvmPlaying(version)
      return byId(
        await runPreflight({ smolvm, docker: noDocker, platform: 'darwin', arch: 'arm64' }),
      )
    }
    const old = await onMac('1.0.5')
    expect(old['smolvm-egress']).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/before 1\.1\.3 .*TSI/),
    })
    const mid = await onMac('1.7.4')
    expect(mid['smolvm-egress']).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/before 1\.8\.0 .*--allow-cidr/),
    })
    expect(mid.kvm).toBeUndefined()
    expect((await onMac('1.8.1'))['smolvm-egress']).toBeUndefined()
  })

  it('fails each missing piece with a one-line fix', async () => {
    const missing = async () =>
      resolveSmolvmBinary({ settingPath: '/nonexistent/smolvm', env: {} }).then(() => {
        throw new Error('unreachable')
      })
    const enoent = Object.assign(new Error('no'), { code: 'ENOENT' })
    const report = await runPreflight({
      smolvm: missing,
      docker: noDocker,
      platform: 'linux',
      arch: 'arm64',
      kvmAccess: async () => {
        throw enoent
      },
    })
    expect(report.ok).toBe(false)
    const c = byId(report)
    expect(c.smolvm).toMatchObject({ status: 'fail', fix: expect.stringMatching(/install\.sh/) })
    expect(c.docker).toMatchObject({ status: 'fail', fix: expect.stringMatching(/.+/) })
    expect(c.kvm).toMatchObject({
      status: 'fail',
      detail: '/dev/kvm does not exist',
      fix: expect.stringMatching(/modprobe/),
    })
    const eacces = Object.assign(new Error('no'), { code: 'EACCES' })
    const noAccess = await runPreflight({
      smolvm: missing,
      docker: noDocker,
      platform: 'linux',
      arch: 'x64',
      kvmAccess: async () => Promise.reject(eacces),
    })
    expect(byId(noAccess).kvm).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/usermod -aG kvm/),
    })
    const intel = await runPreflight({
      smolvm: missing,
      docker: noDocker,
      platform: 'darwin',
      arch: 'x64',
    })
    expect(byId(intel).platform).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/Apple Silicon/),
    })
    for (const check of [...report.checks, ...intel.checks]) {
      if (check.status === 'fail') expect(check.fix?.split('\n')).toHaveLength(1)
    }
  })
})
