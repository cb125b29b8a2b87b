import { useEffect, useRef, useState, type UIEvent } from 'react'
import type { ManifestIssue, ManifestState } from '../../../src-shared/contract'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { ErrorNotice } from '../components/ErrorNotice'
import { Loading } from '../components/States'
import { call } from '../lib/backend'
import { errorIssues, toErrorShape } from '../lib/errors'
import { loadManifest, saveManifest, useManifest } from '../stores/manifest-store'

/** How long typing pauses before the text is validated. */
const VALIDATE_DEBOUNCE_MS = 300

/** Unsaved text and the file's state it was edited from (a save is based on its version). */
interface Draft {
  text: string
  base: ManifestState
}

/** The backend's verdict on one text. */
interface Check {
  text: string
  issues: ManifestIssue[]
  error: RpcErrorShape | null
}

/**
 * The manifest as text, with line numbers, validated as you type (debounced);
 * Save stays disabled while it has issues (each shown with its path and line)
 * or is being checked; the backend checks again on save.
 *
 * Edits are saved over the version they started from. When the file changed on
 * disk meanwhile (the save is refused, or a re-read shows it), the editor offers
 * the file's version or an overwrite; without unsaved edits it simply shows the
 * file as read, which it reads again whenever the window regains focus.
 */
export function ManifestEditor() {
  const manifest = useManifest()
  const [draft, setDraft] = useState<Draft | null>(null)
  const [check, setCheck] = useState<Check | null>(null)
  const [savedAt, setSavedAt] = useState<number | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<RpcErrorShape | null>(null)
  const area = useRef<HTMLTextAreaElement>(null)
  const gutter = useRef<HTMLDivElement>(null)
  const seq = useRef(0)

  useEffect(() => {
    void loadManifest()
    // The file has no change feed: read it again when the user comes back (e.g. from another editor).
    const reload = (): void => void loadManifest()
    window.addEventListener('focus', reload)
    return () => window.removeEventListener('focus', reload)
  }, [])

  const file = manifest.data
  // A draft that matches the file as it is now holds no edits.
  const edits = draft !== null && draft.text !== file?.text ? draft : null
  const current = edits?.text ?? file?.text ?? null
  const dirty = edits !== null

  // Validate edits as you type (the file's issues come with it).
  const draftText = edits?.text ?? null
  useEffect(() => {
    if (draftText === null) return
    const mine = ++seq.current
    const t = setTimeout(() => {
      call('manifest.validate', { text: draftText }).then(
        (r) => {
          if (mine === seq.current) setCheck({ text: draftText, issues: r.issues, error: null })
        },
        (e: unknown) => {
          if (mine !== seq.current) return
          setCheck((prev) => ({
            text: draftText,
            issues: prev?.issues ?? [],
            error: toErrorShape(e),
          }))
        },
      )
    }, VALIDATE_DEBOUNCE_MS)
    return () => clearTimeout(t)
  }, [draftText])

  if (current === null || file === null) {
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

  const validating = edits !== null && check?.text !== edits.text
  const validateError = edits !== null && check?.text === edits.text ? check.error : null
  const refused = saveError !== null && errorIssues(saveError).length > 0
  const refusedAsStale = saveError?.code === 'CONFLICT'
  // The file changed on disk under the edits: saving them would undo that change unseen.
  const conflict = edits !== null && (refusedAsStale || edits.base.version !== file.version)
  const shownIssues = edits === null ? file.issues : (check?.issues ?? [])
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

  const save = async (d: Draft): Promise<void> => {
    setSaving(true)
    setSaveError(null)
    setSavedAt(null)
    try {
      await saveManifest(d.text, d.base.version)
      setDraft(null)
      setSavedAt(Date.now())
    } catch (e) {
      const error = toErrorShape(e)
      setSaveError(error)
      // Read what is on disk now: the version to load, or to overwrite.
      if (error.code === 'CONFLICT') void loadManifest()
      // A refusal names every issue (path and line): show them as the editor's issues.
      const named = errorIssues(error)
      if (named.length > 0) {
        const issues = named.map((i) => ({ ...i, line: i.line ?? null, column: i.column ?? null }))
        setCheck({ text: d.text, issues, error: null })
      }
    } finally {
      setSaving(false)
    }
  }

  /** Discards the edits for the file as it is on disk. */
  const loadFileVersion = (): void => {
    setDraft(null)
    setSaveError(null)
    void loadManifest()
  }

  /** Saves the edits over the file's version the editor read last (refused again if it moved on). */
  const overwrite = (): void => {
    if (edits === null) return
    const rebased = { text: edits.text, base: file }
    setDraft(rebased)
    void save(rebased)
  }

  const syncScroll = (e: UIEvent<HTMLTextAreaElement>): void => {
    if (gutter.current) gutter.current.scrollTop = e.currentTarget.scrollTop
  }

  return (
    <section className="manifest" aria-labelledby="manifest-title">
      <header className="section-header">
        <h3 id="manifest-title">Manifest</h3>
        <span className="muted small mono">{file.path}</span>
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
          readOnly={saving}
          onChange={(e) => {
            const text = e.target.value
            const base = edits?.base ?? file
            setDraft(text === base.text ? null : { text, base })
            setSavedAt(null)
            setSaveError(null)
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
      {conflict && (
        <div className="notice notice-warn" role="alert">
          <div className="notice-head">
            <strong>The manifest changed on disk since it was opened</strong>
          </div>
          <p className="notice-message">
            {refusedAsStale ? `${saveError.message}.` : 'Saving your edits would undo that change.'}
          </p>
          <div className="actions-row">
            <button type="button" className="btn" disabled={saving} onClick={loadFileVersion}>
              Load the file&apos;s version
            </button>
            <button
              type="button"
              className="btn btn-danger"
              disabled={saving || manifest.status === 'loading' || blocked !== null}
              title={blocked ?? 'Save your edits in place of the file as it is now'}
              onClick={overwrite}
            >
              Overwrite
            </button>
          </div>
        </div>
      )}
      {saveError && !refused && !refusedAsStale && (
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
          onClick={() => {
            setDraft(null)
            setSaveError(null)
          }}
        >
          Revert
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!dirty || saving || blocked !== null || conflict}
          title={
            dirty
              ? (blocked ?? (conflict ? "Load the file's version or overwrite it" : undefined))
              : undefined
          }
          onClick={() => {
            if (edits) void save(edits)
          }}
        >
          {saving ? 'Saving…' : 'Save manifest'}
        </button>
      </div>
    </section>
  )
}
