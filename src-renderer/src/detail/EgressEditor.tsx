import { useEffect, useState } from 'react'
import { z } from 'zod'
import { EgressRule, type Bottle } from '../../../src-shared/contract'
import { invalidParams } from '../../../src-shared/rpc/errors'
import { ErrorNotice } from '../components/ErrorNotice'
import { call } from '../lib/backend'
import { errorIssues, fieldErrors, invalidRules, type Issue } from '../lib/errors'
import { useAction } from '../lib/use-action'

const Rules = z.object({ rules: z.array(EgressRule).max(1000) })

/**
 * The bottle's egress allowlist. While it runs the rules can be changed in
 * place (egress.set, no restart); each refused rule shows its reason beside it.
 */
export function EgressEditor({ bottle }: { bottle: Bottle }) {
  const running = bottle.state === 'running'
  const [saved, setSaved] = useState<string[]>(bottle.egress)
  const [rules, setRules] = useState<string[]>(bottle.egress)
  const [localIssues, setLocalIssues] = useState<Issue[] | null>(null)
  const [load, loadStatus] = useAction(() => call('egress.get', { id: bottle.id }))
  const [save, saveStatus] = useAction((next: string[]) =>
    call('egress.set', { id: bottle.id, rules: next }),
  )

  // The running proxy's list is the truth (it may have been changed since launch):
  // editing waits for it, so an edit is never overwritten by a late answer.
  const [ready, setReady] = useState(false)
  useEffect(() => {
    if (!running) return
    void load().then((r) => {
      if (r) {
        setSaved(r.rules)
        setRules(r.rules)
      }
      setReady(true)
    })
  }, [running, load])

  const dirty = rules.length !== saved.length || rules.some((r, i) => r !== saved[i])
  // Refusals name rules by index (rules.3: …) or by text ({rule, reason}); both land on the row.
  const refusal = localIssues ? null : saveStatus.error
  const issues = localIssues ?? errorIssues(refusal)
  const perRule = fieldErrors(issues, 2)
  let placed = issues.every((i) => /^rules\.\d+/.test(i.path))
  for (const { rule, reason } of invalidRules(refusal)) {
    const at = rules.findIndex((r) => r.trim() === rule)
    if (at >= 0) perRule[`rules.${at}`] ??= reason
    else placed = false
  }
  const named = issues.length > 0 || invalidRules(refusal).length > 0

  const submit = async (): Promise<void> => {
    const next = rules.map((r) => r.trim())
    const parsed = Rules.safeParse({ rules: next })
    if (!parsed.success) {
      setLocalIssues(errorIssues(invalidParams('rules', parsed.error).toShape()))
      return
    }
    setLocalIssues(null)
    const r = await save(next)
    if (r) {
      setSaved(r.rules)
      setRules(r.rules)
    }
  }

  if (!running) {
    return (
      <section aria-labelledby="egress-title">
        <h3 id="egress-title">Egress allowlist</h3>
        <p className="muted small">Editable while the bottle is running.</p>
        {saved.length === 0 ? (
          <p className="muted">Nothing is allowed out.</p>
        ) : (
          <ul className="rule-list">
            {saved.map((r) => (
              <li key={r} className="mono">
                {r}
              </li>
            ))}
          </ul>
        )}
      </section>
    )
  }

  return (
    <section aria-labelledby="egress-title">
      <h3 id="egress-title">Egress allowlist</h3>
      <p className="muted small">
        Hosts the agent may reach through the proxy: <code>api.example.com</code>,{' '}
        <code>*.example.com</code> (subdomains only), or an IP, each with an optional{' '}
        <code>:port</code>. Changes apply at once, without a restart.
      </p>
      {!ready && <p className="muted small">Reading the running allowlist…</p>}
      {loadStatus.error && (
        <ErrorNotice
          error={loadStatus.error}
          title="Could not read the running allowlist (showing the launch one)"
          compact
        />
      )}
      <ul className="rule-editor">
        {rules.map((rule, i) => {
          const err = perRule[`rules.${i}`]
          return (
            <li key={i}>
              <div className="field-row">
                <input
                  className="input mono"
                  value={rule}
                  disabled={!ready}
                  aria-label={`Rule ${i + 1}`}
                  aria-invalid={err ? true : undefined}
                  spellCheck={false}
                  onChange={(e) => setRules(rules.map((r, j) => (j === i ? e.target.value : r)))}
                />
                <button
                  type="button"
                  className="btn-icon"
                  disabled={!ready}
                  aria-label={`Remove rule ${i + 1}`}
                  onClick={() => setRules(rules.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              </div>
              {err && <p className="field-error">{err}</p>}
            </li>
          )
        })}
      </ul>
      {refusal && (!named || !placed) && (
        <ErrorNotice error={refusal} title="The allowlist was not changed" compact />
      )}
      <div className="actions-row">
        <button
          type="button"
          className="btn"
          disabled={!ready}
          onClick={() => setRules([...rules, ''])}
        >
          Add rule
        </button>
        <button
          type="button"
          className="btn"
          disabled={!dirty || saveStatus.pending}
          onClick={() => {
            setRules(saved)
            setLocalIssues(null)
          }}
        >
          Revert
        </button>
        <button
          type="button"
          className="btn btn-primary"
          disabled={!dirty || saveStatus.pending}
          onClick={() => void submit()}
        >
          {saveStatus.pending ? 'Applying…' : 'Apply'}
        </button>
      </div>
    </section>
  )
}
