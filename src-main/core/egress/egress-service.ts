import type { EgressDecision } from '../../../src-shared/contract'
import { RpcError } from '../../../src-shared/rpc/errors'
import { describeCommand, type CommandResult } from '../base/exec'
import { toDisposable, type Disposable } from '../base/lifecycle'
import { nullLogger, type Logger } from '../base/logger'
import { BUNDLE_JS_PATH } from '../bundle/container-config'
import type { Docker } from '../docker/types'
import { parseDecisionLine } from './decision-lines'
import { canonicalRules, type InvalidRule } from './rules'

export interface EgressServiceOptions {
  /** The docker CLI at each use (a changed Settings path applies to the next call). */
  docker: () => Docker
  /** A bottle's bundle container, or null when it has none (not running, unknown id). */
  resolveBundle: (id: string) => { container: string } | null
  logger?: Logger
  /** Decisions replayed to a new follower before live ones (default 200). */
  recent?: number
  /** How long live decisions are gathered into one batch (default 100 ms). */
  batchMs?: number
}

const EXEC_TIMEOUT_MS = 15_000
const MAX_BATCH = 500

/**
 * A running bottle's allowlist and decision log, through its bundle: rules
 * via `docker exec <bundle> node bundle.js egress-rules get|set` (the admin
 * API listens on 127.0.0.1 inside the bundle only), decisions from
 * `docker logs -f`. Allowlist changes apply to new connections at once and
 * close open ones the new list no longer allows; no restart.
 */
export class EgressService {
  private readonly logger: Logger

  constructor(private readonly options: EgressServiceOptions) {
    this.logger = options.logger ?? nullLogger
  }

  async getRules(id: string): Promise<string[]> {
    const container = this.container(id)
    return this.rulesCall(container, ['get'])
  }

  /** Validates with the daemon's matcher first: an invalid rule changes nothing. */
  async setRules(id: string, rules: readonly string[]): Promise<string[]> {
    const canonical = canonicalRules(rules)
    const container = this.container(id)
    const result = await this.rulesCall(container, ['set'], JSON.stringify({ rules: canonical }))
    this.logger.info(
      `egress allowlist of ${id} is now: ${result.join(', ') || '(empty: everything denied)'}`,
      id,
    )
    return result
  }

  /**
   * Decisions as they are logged, in batches: first the recent ones, then new
   * ones. `onEnd` runs when the bundle's log ends (container stopped) or
   * cannot be read.
   */
  follow(
    id: string,
    onDecisions: (decisions: EgressDecision[]) => void,
    onEnd?: (error?: RpcError) => void,
  ): Disposable {
    const container = this.container(id)
    let batch: EgressDecision[] = []
    let timer: NodeJS.Timeout | null = null
    const flush = (): void => {
      if (timer) clearTimeout(timer)
      timer = null
      if (batch.length === 0) return
      const out = batch
      batch = []
      onDecisions(out)
    }
    const follower = this.options.docker().followLogs(
      container,
      (line, stream) => {
        if (stream !== 'stdout') return
        const d = parseDecisionLine(line)
        if (!d) return
        batch.push(d)
        if (batch.length >= MAX_BATCH) flush()
        else timer ??= setTimeout(flush, this.options.batchMs ?? 100)
      },
      {
        tail: this.options.recent ?? 200,
        onEnd: (error) => {
          flush()
          onEnd?.(
            error
              ? new RpcError('UNAVAILABLE', `decision log of ${container}: ${error.message}`)
              : undefined,
          )
        },
      },
    )
    return toDisposable(() => {
      if (timer) clearTimeout(timer)
      follower.dispose()
    })
  }

  private container(id: string): string {
    const bundle = this.options.resolveBundle(id)
    if (!bundle) throw new RpcError('NOT_FOUND', `bottle ${id} has no running bundle`)
    return bundle.container
  }

  private async rulesCall(container: string, verb: string[], input?: string): Promise<string[]> {
    const argv = ['node', BUNDLE_JS_PATH, 'egress-rules', ...verb]
    const docker = this.options.docker()
    const result = await docker.exec(container, argv, {
      input,
      timeoutMs: EXEC_TIMEOUT_MS,
    })
    const answer = parseAnswer(result.stdout)
    if (result.exitCode === 0 && answer?.rules) return answer.rules
    throw this.failure(docker, container, argv, result, answer)
  }

  private failure(
    docker: Docker,
    container: string,
    argv: string[],
    result: CommandResult,
    answer: Answer | null,
  ): RpcError {
    const details = {
      command: describeCommand({
        file: docker.binary,
        args: ['exec', container, ...argv],
      }),
      exitCode: result.exitCode,
      stderr: result.stderr.trim().slice(-4000),
    }
    if (result.exitCode === 2 && answer?.invalid) {
      const list = answer.invalid.map((i) => `"${i.rule}": ${i.reason}`).join('; ')
      return new RpcError('INVALID_PARAMS', `egress rules: ${list}`, { invalid: answer.invalid })
    }
    if (result.timedOut)
      return new RpcError(
        'TIMEOUT',
        `${container}: the egress daemon did not answer in time`,
        details,
      )
    if (/no such container|is not running/i.test(result.stderr)) {
      return new RpcError('PRECONDITION', `bundle container ${container} is not running`, details)
    }
    if (/egress daemon not reachable/.test(result.stderr)) {
      return new RpcError(
        'PRECONDITION',
        `the egress proxy is not running in ${container}`,
        details,
      )
    }
    const last = result.stderr.trim().split('\n').pop() || `exit code ${result.exitCode}`
    return new RpcError('COMMAND_FAILED', `${container}: egress-rules failed: ${last}`, details)
  }
}

interface Answer {
  rules?: string[]
  invalid?: InvalidRule[]
}

function parseAnswer(stdout: string): Answer | null {
  try {
    const v = JSON.parse(stdout.trim()) as Answer
    return v && typeof v === 'object' ? v : null
  } catch {
    return null
  }
}
