import type { Bottle, LaunchStep } from '../../../src-shared/contract'
import { CommandOutput } from '../components/ErrorNotice'
import { commandFailure } from '../lib/errors'
import { elapsed, formatDuration } from '../lib/format'
import { useNow } from '../stores/clock-store'

const ICONS: Record<LaunchStep['state'], string> = {
  pending: '○',
  running: '◐',
  done: '✓',
  failed: '✕',
  skipped: '–',
  cancelled: '⊘',
}

interface Props {
  bottle: Bottle
  onRetry?: () => void
  retrying?: boolean
}

/**
 * The launch, step by step: state and duration of each; a failed step keeps
 * its error and the failed command's stderr in view, with a retry.
 */
export function BootTimeline({ bottle, onRetry, retrying }: Props) {
  const launching = bottle.state === 'launching'
  const now = useNow(launching)
  if (bottle.steps.length === 0) {
    return <p className="muted">No launch steps recorded for this bottle.</p>
  }
  const total = elapsed(
    bottle.steps.find((s) => s.startedAt)?.startedAt ?? null,
    launching ? null : lastEnd(bottle.steps),
    now,
  )
  return (
    <section className="timeline" aria-label="Boot timeline">
      <ol>
        {bottle.steps.map((step) => (
          <li
            key={step.id}
            className={`step step-${step.state}`}
            data-step={step.id}
            data-state={step.state}
          >
            <span className="step-icon" aria-hidden="true">
              {ICONS[step.state]}
            </span>
            <span className="step-label">{step.label}</span>
            <span className="step-state">{step.state}</span>
            <span className="step-time">
              {step.startedAt
                ? formatDuration(elapsed(step.startedAt, step.endedAt, now) ?? 0)
                : ''}
            </span>
            {step.detail && <span className="step-detail muted small">{step.detail}</span>}
            {step.error && isCancel(step) && (
              // Asked for, not a failure: said plainly, without the wire code.
              <span className="step-detail muted small">{sentence(step.error.message)}</span>
            )}
            {step.error && !isCancel(step) && (
              <div className="step-error" role="alert">
                <p>
                  <strong>{step.error.message}</strong> <code>{step.error.code}</code>
                </p>
                <StepCommand error={step.error} />
                {onRetry && step.state === 'failed' && bottle.state === 'failed' && (
                  <button
                    type="button"
                    className="btn btn-primary"
                    onClick={onRetry}
                    disabled={retrying}
                  >
                    {retrying ? 'Retrying…' : 'Retry launch'}
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ol>
      {total !== null && (
        <p className="muted small">
          {launching ? 'Launching for' : 'Launch took'} {formatDuration(total)}
        </p>
      )}
    </section>
  )
}

function isCancel(step: LaunchStep): boolean {
  return step.state === 'cancelled' || step.error?.code === 'CANCELLED'
}

/** "launch cancelled" → "Launch cancelled." */
function sentence(message: string): string {
  const s = message.trim()
  if (!s) return 'Cancelled.'
  return `${s[0]!.toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`
}

function StepCommand({ error }: { error: NonNullable<LaunchStep['error']> }) {
  const cmd = commandFailure(error)
  return cmd ? <CommandOutput {...cmd} /> : null
}

function lastEnd(steps: LaunchStep[]): string | null {
  return steps.reduce<string | null>(
    (m, s) => (s.endedAt && (!m || s.endedAt > m) ? s.endedAt : m),
    null,
  )
}
