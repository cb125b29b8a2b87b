import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { codeHint, commandFailure, errorIssues } from '../lib/errors'

interface Props {
  error: RpcErrorShape
  /** What was being attempted, e.g. "Could not stop the bottle". */
  title?: string
  onRetry?: () => void
  retryLabel?: string
  compact?: boolean
}

/**
 * How every refusal or failure is shown: what failed, the backend's message,
 * what the code means, and for a failed command its exit code and stderr.
 */
export function ErrorNotice({ error, title, onRetry, retryLabel = 'Try again', compact }: Props) {
  const cmd = commandFailure(error)
  const issues = errorIssues(error)
  const hint = codeHint(error.code)
  return (
    <div className={`notice notice-error${compact ? ' notice-compact' : ''}`} role="alert">
      <div className="notice-head">
        <strong>{title ?? 'Something went wrong'}</strong>
        <code className="error-code">{error.code}</code>
      </div>
      <p className="notice-message">{error.message}</p>
      {hint && !compact && <p className="muted small">{hint}</p>}
      {issues.length > 0 && (
        <ul className="issue-list">
          {issues.map((i, n) => (
            <li key={n}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
      {cmd && <CommandOutput {...cmd} />}
      {onRetry && (
        <button type="button" className="btn" onClick={onRetry}>
          {retryLabel}
        </button>
      )}
    </div>
  )
}

/** A failed command: its line, exit code and stderr, always visible. */
export function CommandOutput({
  command,
  exitCode,
  stderr,
}: {
  command: string | null
  exitCode: number | null
  stderr: string | null
}) {
  return (
    <div className="command-output">
      {command && (
        <div>
          <span className="muted small">Command </span>
          <code className="command-line">{command}</code>
        </div>
      )}
      {exitCode !== null && (
        <div>
          <span className="muted small">Exit code </span>
          <code>{exitCode}</code>
        </div>
      )}
      {stderr !== null && (
        <pre className="stderr" aria-label="Standard error" tabIndex={0}>
          {stderr.trim() === '' ? '(no output on stderr)' : stderr}
        </pre>
      )}
    </div>
  )
}
