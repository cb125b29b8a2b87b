import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestImages, TEST_IMAGES } from '../../../scripts/build-test-images.mjs'
import { need } from '../../../test-support/prereqs'
import { CommandRunner } from '../base/exec'
import type { BundleImage } from '../bundle/bundle-image'
import { BUNDLE_STOP_TIMEOUT_SEC } from '../bundle/container-config'
import { createDocker, resolveDockerBinary } from '../docker/docker'
import { removeLabelled, testLabels } from '../docker/testing'
import { LABELS, type Docker } from '../docker/types'
import { createBundleStarter } from './bundle-starter'

// Subnet of this file: 10.213.241.0/28.
const SUBNET = '10.213.241.0/28'
const GATEWAY = '10.213.241.1'
const BUNDLE_IP = '10.213.241.2'

const unusedImage: BundleImage = { ensure: () => Promise.reject(new Error('not used')) }

describe.skipIf(!need('docker'))('a started bundle on a real engine', () => {
  const labels = testLabels('bundle-starter.spec')
  const home = labels[LABELS.home] as string
  const network = `bb-test-starter-${home}`
  const container = `bb-test-starter-bundle-${home}`
  let docker: Docker

  beforeAll(async () => {
    await buildTestImages()
    docker = createDocker({
      binary: resolveDockerBinary({ settingPath: null, env: process.env }),
      runner: new CommandRunner(),
    })
  })
  afterAll(async () => {
    if (docker) await removeLabelled(docker, labels)
  })

  it('is ready once its daemons listen and the host reaches its proxy at the pinned IP', async () => {
    const starter = createBundleStarter(unusedImage)
    await docker.networkCreate({ name: network, subnet: SUBNET, gateway: GATEWAY, labels })
    const config = starter.containerConfig({
      image: TEST_IMAGES.bundle,
      daemons: ['egress'],
      allowlist: ['api.example.com'],
    })
    await docker.containerRun({
      name: container,
      image: config.image,
      network,
      ip: BUNDLE_IP,
      labels,
      env: config.env,
      stopTimeoutSec: BUNDLE_STOP_TIMEOUT_SEC,
      extraArgs: config.extraArgs,
    })
    await expect(
      starter.waitReady({
        docker,
        container,
        ip: BUNDLE_IP,
        signal: new AbortController().signal,
      }),
    ).resolves.toBeUndefined()
  })

  it('fails the bundle step with the engine fix when the host cannot reach the bundle’s IP', async () => {
    // The started bundle of the test before, as an engine whose container IPs the host
    // cannot route to would leave it: TEST-NET-1 (RFC 5737) is routed nowhere.
    const starter = createBundleStarter(unusedImage, { reachTimeoutMs: 500 })
    const error = await starter
      .waitReady({ docker, container, ip: '192.0.2.1', signal: new AbortController().signal })
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'PRECONDITION',
      details: { target: '192.0.2.1:8888' },
    })
    const message = (error as Error).message
    expect(message).toMatch(/^this host cannot reach the bundle at 192\.0\.2\.1:8888 \(/)
    expect(message).toContain('the docker engine’s container IPs are not reachable from this host')
    expect(message).toMatch(
      /dockerd on Linux does; on macOS use OrbStack, or Colima .*--network-address/,
    )
    expect(message).toContain('rootless docker does not route container IPs')
  })
})
