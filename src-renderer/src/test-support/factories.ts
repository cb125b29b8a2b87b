import {
  StepId,
  type Bottle,
  type LaunchStep,
  type ManifestState,
  type SessionInfo,
  type Settings,
} from '../../../src-shared/contract'

const T0 = '2026-01-01T10:00:00.000Z'

export function makeStep(id: LaunchStep['id'], over: Partial<LaunchStep> = {}): LaunchStep {
  return {
    id,
    label: id,
    state: 'pending',
    startedAt: null,
    endedAt: null,
    detail: null,
    error: null,
    ...over,
  }
}

export function makeBottle(id: string, over: Partial<Bottle> = {}): Bottle {
  return {
    id,
    agent: 'claude',
    projectDir: `/home/me/${id}`,
    copyWorkdir: false,
    machineName: `claude-bottle-${id}`,
    workdir: '/workspace',
    state: 'running',
    stateDetail: null,
    createdAt: T0,
    startedAt: T0,
    endedAt: null,
    network: {
      name: `claude-bottle-${id}`,
      subnet: '10.236.0.0/29',
      gateway: '10.236.0.1',
      bundleIp: '10.236.0.2',
    },
    bundle: { container: `claude-bottle-${id}-bundle`, image: 'bot-bottle-bundle:test' },
    pack: { imageRef: 'docker.io/library/node:22', digest: 'sha256:abc123', path: '/cache/x' },
    env: [
      { key: 'TERM', value: 'xterm-256color', secret: false },
      { key: 'ANTHROPIC_API_KEY', value: '••••••', secret: true },
    ],
    egress: ['api.anthropic.com'],
    smolvmVersion: '0.5.0',
    steps: StepId.options.map((s) =>
      makeStep(s, { state: 'done', startedAt: T0, endedAt: '2026-01-01T10:00:01.500Z' }),
    ),
    error: null,
    ...over,
  }
}

/** A running shell of bottle b1; ids of different lengths start in that order. */
export function makeSession(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    bottleId: 'b1',
    kind: 'shell',
    title: id,
    state: 'running',
    cols: 80,
    rows: 24,
    startedAt: `2025-01-01T00:00:0${id.length}Z`,
    endedAt: null,
    exitCode: null,
    signal: null,
    ...over,
  }
}

export const SETTINGS: Settings = {
  smolvmPath: null,
  dockerPath: null,
  bundleImage: null,
  notifications: true,
  theme: 'system',
  startAtLogin: false,
  recentProjects: ['/home/me/recent-one'],
}

export function makeManifest(over: Partial<ManifestState> = {}): ManifestState {
  return {
    path: '/home/me/.config/bot-bottle/manifest.yaml',
    text: 'version: 1\nagents:\n  claude:\n    image: node:22\n',
    version: 'sha256:1',
    valid: true,
    issues: [],
    agents: [
      {
        name: 'claude',
        description: 'Claude Code in a fresh bottle',
        image: 'node:22',
        egress: ['api.anthropic.com'],
        git: false,
        supervise: false,
        cpus: 2,
        memoryMib: 4096,
      },
    ],
    ...over,
  }
}
