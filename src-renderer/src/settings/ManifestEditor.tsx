import { useEffect, useRef, useState, type UIEvent } from 'react'
import type { ManifestIssue } from '../../../src-shared/contract'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { ErrorNotice } from '../components/ErrorNotice'
import { Loading } from '../components/States'
import { call } from '../lib/backend'
import { errorIssues, toErrorShape } from '../lib/errors'
import { loadManifest, saveManifest, useManifest } from '../stores/manifest-store'

/** How long typing pauses before the text is validated. */
const VALIDATE_DEBOUNCE_MS = 300

/**
 * The manifest as text, with line numbers, validated as you type (debounced);
 * Save stays disabled while it has issues (each shown with its path and line)
 * or is being checked; the backend checks again on save.
 */
export function ManifestEditor() {
  const manifest = useManifest()
  const [text, setText] = useState<string | null>(null)
  const [issues, setIssues] = useState<ManifestIssue[]>([])
  const [validating, setValidating] = useState(false)
  const [validateError, setValidateError] = useState<RpcErrorShape | null>(null)
  const [savedAt, setSavedAt] = useState<number | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<RpcErrorShape | null>(null)
  const area = useRef<HTMLTextAreaElement>(null)
  const gutter = useRef<HTMLDivElement>(null)
  const seq = useRef(0)

  useEffect(() => {
    void loadManifest()
  }, [])

  const savedText = manifest.data?.text ?? null
  const current = text ?? savedText
  const dirty = text !== null && text !== savedText

  // Validate edits as you type (the saved text's issues come with it).
  useEffect(() => {
    if (text === null) return
    const mine = ++seq.current
    const t = setTimeout(() => {
      call('manifest.validate', { text }).then(
        (r) => {
          if (mine !== seq.current) return
          setIssues(r.issues)
          setValidateError(null)
          setValidating(false)
        },
        (e: unknown) => {
          if (mine !== seq.current) return
          setValidateError(toErrorShape(e))
          setValidating(false)
        },
      )
    }, VALIDATE_DEBOUNCE_MS)
    return () => clearTimeout(t)
  }, [text])

  if (current === null) {
    return manifest.error ? (
      <ErrorNotice
        error={manifest.error}
        title="Could not read the manifest"
        onRetry={() => void loadManifest()}
      />
    ) : (
      <Loading label="Reading the manifest…" />
    )
  }

  const refused = saveError !== null && errorIssues(saveError).length > 0
  const shownIssues = text === null ? (manifest.data?.issues ?? []) : issues
  // Nothing is saved that the editor shows as invalid, or has not checked yet.
  const blocked = validating
    ? 'Wait for the check to finish'
    : shownIssues.length > 0
      ? 'Fix the issues first'
      : null
  const issueLines = new Set(shownIssues.map((i) => i.line).filter((l): l is number => l !== null))
  const lineCount = current.split('\n').length

  const goTo = (issue: ManifestIssue): void => {
    const el = area.current
    if (!el || issue.line === null) return
    const lines = current.split('\n')
    const start = lines.slice(0, issue.line - 1).reduce((n, l) => n + l.length + 1, 0)
    const col = Math.max(0, (issue.column ?? 1) - 1)
    el.focus()
    el.setSelectionRange(start + col, start + (lines[issue.line - 1]?.length ?? 0))
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18
    el.scrollTop = Math.max(0, (issue.line - 3) * lineHeight)
  }

  const onSave = async (): Promise<void> => {
    setSaving(true)
    setSaveError(null)
    setSavedAt(null)
    try {
      await saveManifest(current)
      setText(null)
      setIssues([])
      setSavedAt(Date.now())
    } catch (e) {
      const error = toErrorShape(e)
      setSaveError(error)
      // A refusal names every issue (path and line): show them as the editor's issues.
      const named = errorIssues(error)
      if (named.length > 0) {
        setIssues(named.map((i) => ({ ...i, line: i.line ?? null, column: i.column ?? null })))
      }
    } finally {
      setSaving(false)
    }
  }

  const syncScroll = (e: UIEvent<HTMLTextAreaElement>): void => {
    if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop
  }

  return (
    <section className="manifest" aria-labelledby="manifest-title">
      <header className="section-header">
        <h3 id="manifest-title">Manifest</h3>
        <span className="muted small mono">{manifest.data?.path}</span>
      </header>
      <div className={`editor${shownIssues.length > 0 ? ' editor-invalid' : ''}`}>
        <div className="editor-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} className={issueLines.has(i + 1) ? 'gutter-issue' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          className="editor-text"
          aria-label="Manifest text"
          aria-invalid={shownIssues.length > 0 ? true : undefined}
          value={current}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoCorrect="off"
          onChange={(e) => {
            setText(e.target.value)
            setValidating(true)
            setSavedAt(null)
          }}
          onScroll={syncScroll}
        />
      </div>
      <div className="editor-status" aria-live="polite">
        {validating ? (
          <span className="muted small">Checking…</span>
        ) : shownIssues.length === 0 ? (
          <span className="ok small">✓ Valid</span>
        ) : (
          <span className="bad small">
            {shownIssues.length} issue{shownIssues.length === 1 ? '' : 's'}
          </span>
        )}
        {savedAt !== null && !dirty && <span className="ok small"> · Saved</span>}
      </div>
      {shownIssues.length > 0 && (
        <ul className="issues" aria-label="Manifest issues">
          {shownIssues.map((issue, i) => (
            <li key={i}>
              <button
                type="button"
                className="issue"
                onClick={() => goTo(issue)}
                disabled={issue.line === null}
              >
                {issue.line !== null && (
                  <span className="issue-line">
                    line {issue.line}
                    {issue.column !== null ? `:${issue.column}` : ''}
                  </span>
                )}
                <code className="issue-path">{issue.path}</code>
                <span className="issue-message">{issue.message}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {saveError && refused && (
        <p className="field-error" role="alert">
          Not saved: {saveError.message}
        </p>
      )}
      {saveError && !refused && (
        <ErrorNotice error={saveError} title="The manifest was not saved" />
      )}
      {validateError && (
        <ErrorNotice error={validateError} title="Could not check the manifest" compact />
      )}
      <div className="actions-row">
        <button
          type="button"
          className="btn"
          disabled={!dirty || saving}
          onClick={() => setText(null)}
        >
          Revert
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!dirty || saving || blocked !== null}
          title={dirty ? (blocked ?? undefined) : undefined}
          onClick={() => void onSave()}
        >
          {saving ? 'Saving…' : 'Save manifest'}
        </button>
      </div>
    </section>
  )
}
