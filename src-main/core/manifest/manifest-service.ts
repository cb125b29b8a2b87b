import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { AgentSummary, ManifestIssue, ManifestState } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { writeFileAtomic } from '../base/atomic-write'
import { Emitter, type Event } from '../base/lifecycle'
import type { Logger } from '../base/logger'
import { defaultManifestText } from './default-manifest'
import { parseManifest } from './parse'
import type { AgentSpec, Manifest } from './schema'

/**
 * The user's manifest.yaml: written with the default `claude` agent on first
 * run, read fresh on every use (the user edits it by hand too), validated with
 * positions, saved atomically, and only over the version the save was based on.
 */
export class ManifestService {
  private readonly changed = new Emitter<ManifestState>()
  readonly onDidChange: Event<ManifestState> = this.changed.event
  /** Saves in this process, one at a time: a version check and its write are never interleaved. */
  private saving: Promise<unknown> = Promise.resolve()

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {}

  /** Writes the default manifest when there is none; never overwrites. */
  async ensure(): Promise<void> {
    try {
      await readFile(this.path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
      await writeFileAtomic(this.path, defaultManifestText(), 0o644)
      this.log.info(`wrote the default manifest to ${this.path}`)
    }
  }

  async get(): Promise<ManifestState> {
    await this.ensure()
    const bytes = await readFile(this.path)
    return this.state(bytes.toString('utf8'), manifestVersion(bytes))
  }

  validate(text: string): { valid: boolean; issues: ManifestIssue[] } {
    const { issues } = parseManifest(text)
    return { valid: issues.length === 0, issues }
  }

  /**
   * Saves `text` if the file is still at `baseVersion` (the version the editor
   * read); refused with CONFLICT, the file untouched, when it changed on disk.
   */
  async save(text: string, baseVersion: string): Promise<ManifestState> {
    const state = this.state(text, manifestVersion(text))
    if (!state.valid) {
      const first = state.issues[0]
      throw new RpcError(
        'INVALID_PARAMS',
        `manifest not saved: ${first ? describeIssue(this.path, first) : 'invalid'}`,
        {
          issues: state.issues,
        },
      )
    }
    const write = this.saving.then(async () => {
      // Checked right before the atomic write: only another program writing in between can slip by.
      const current = await this.currentVersion()
      if (current !== baseVersion) {
        throw new RpcError(
          'CONFLICT',
          `manifest not saved: ${this.path} changed on disk since it was opened` +
            `${current === null ? ' (it was deleted)' : ''}; load the file's version or overwrite it`,
        )
      }
      await writeFileAtomic(this.path, text, 0o644)
    })
    this.saving = write.catch(() => undefined)
    await write
    this.changed.fire(state)
    return state
  }

  /** The version of the file's bytes now; null when there is no file. */
  private async currentVersion(): Promise<string | null> {
    try {
      return manifestVersion(await readFile(this.path))
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw e
    }
  }

  /** The valid manifest, or a PRECONDITION error naming the first problem and its line. */
  async load(): Promise<Manifest> {
    await this.ensure()
    const { manifest, issues } = parseManifest(await readFile(this.path, 'utf8'))
    if (!manifest) {
      const first = issues[0]
      throw new RpcError(
        'PRECONDITION',
        `the manifest is invalid: ${first ? describeIssue(this.path, first) : 'unknown problem'}`,
        {
          issues,
        },
      )
    }
    return manifest
  }

  async agent(name: string): Promise<AgentSpec> {
    const manifest = await this.load()
    const agent = Object.hasOwn(manifest.agents, name) ? manifest.agents[name] : undefined
    if (!agent) {
      const known = Object.keys(manifest.agents)
      throw new RpcError(
        'NOT_FOUND',
        `no agent “${name}” in ${this.path}${known.length ? ` (agents: ${known.join(', ')})` : ' (it defines no agents)'}`,
      )
    }
    return agent
  }

  private state(text: string, version: string): ManifestState {
    const { manifest, issues } = parseManifest(text)
    return {
      path: this.path,
      text,
      version,
      valid: issues.length === 0,
      issues,
      agents: manifest
        ? Object.entries(manifest.agents).map(([name, a]) => summarize(name, a))
        : [],
    }
  }

  dispose(): void {
    this.changed.dispose()
  }
}

/** A sha256 of the bytes (a string counts as its UTF-8 bytes, as it is written). */
export function manifestVersion(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

export function summarize(name: string, a: AgentSpec): AgentSummary {
  return {
    name,
    description: a.description ?? null,
    image: a.image,
    egress: a.egress,
    git: a.git,
    supervise: a.supervise,
    cpus: a.cpus,
    memoryMib: a.memory,
  }
}

/** `file:line:column: path: reason`, the shape editors and terminals link. */
export function describeIssue(file: string, issue: ManifestIssue): string {
  const where = issue.line !== null ? `${file}:${issue.line}:${issue.column ?? 1}` : file
  return `${where}: ${issue.path}: ${issue.message}`
}
