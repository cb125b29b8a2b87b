import { useEffect, useRef, useState } from 'react'
import { LaunchParams, type AgentSummary } from '../../../src-shared/contract'
import { invalidParams, type RpcErrorShape } from '../../../src-shared/rpc/errors'
import { FormDialog } from '../components/FormDialog'
import { CheckField } from '../components/CheckField'
import { ErrorNotice } from '../components/ErrorNotice'
import { PathField } from '../components/PathField'
import { Loading } from '../components/States'
import { call } from '../lib/backend'
import { formErrors } from '../lib/errors'
import { useAction } from '../lib/use-action'
import { discardLaunch, launchBottle } from '../stores/bottles-store'
import { useConnection } from '../stores/connection-store'
import { loadManifest, useManifest } from '../stores/manifest-store'
import { navigate, closeDialogRoute } from '../stores/route-store'
import { useSettings } from '../stores/settings-store'

const FIELDS = ['agent', 'projectDir', 'copyWorkdir'] as const
const NO_RECENT: string[] = []

interface Props {
  agent: string | null
  dir: string | null
}

/**
 * Launch a bottle: an agent from the manifest, a project folder (typed with
 * completion, picked natively in the desktop app, or one of the recent ones),
 * and whether to copy the project in. Refusals land on the field they name.
 * Cancel while the launch is being started cancels it: once the backend names
 * the bottle it is stopped and removed, and nothing opens.
 */
export function NewBottleDialog({ agent: initialAgent, dir }: Props) {
  const manifest = useManifest()
  const recent = useSettings((s) => s.settings?.recentProjects ?? NO_RECENT)
  const mode = useConnection((s) => s.info?.mode ?? null)
  const agents = manifest.data?.agents ?? []
  const [agent, setAgent] = useState(initialAgent ?? '')
  const [projectDir, setProjectDir] = useState(dir ?? '')
  const [copyWorkdir, setCopyWorkdir] = useState(false)
  const [launch, status] = useAction(launchBottle)
  const [pick, pickStatus] = useAction((defaultPath?: string) =>
    call('app.pickFolder', defaultPath ? { defaultPath } : {}),
  )
  const [localError, setLocalError] = useState<RpcErrorShape | null>(null)
  // The launch call under way; read when it answers, which may be after the dialog is gone.
  const attempt = useRef<{ cancelled: boolean } | null>(null)

  // The file may have changed since the app read it.
  useEffect(() => {
    void loadManifest()
  }, [])

  const chosenAgent = agent || agents[0]?.name || ''
  const { fields, general } = formErrors(localError ?? status.error, FIELDS)

  const submit = async (): Promise<void> => {
    const parsed = LaunchParams.safeParse({ agent: chosenAgent, projectDir, copyWorkdir })
    if (!parsed.success) {
      setLocalError(invalidParams('launch parameters', parsed.error).toShape())
      return
    }
    setLocalError(null)
    const mine = { cancelled: false }
    attempt.current = mine
    const bottle = await launch(parsed.data)
    attempt.current = null
    if (!bottle) return
    if (mine.cancelled) void discardLaunch(bottle.id)
    else navigate({ name: 'bottle', id: bottle.id, tab: 'overview' }, { replace: true })
  }

  const close = (): void => {
    if (attempt.current) attempt.current.cancelled = true
    closeDialogRoute()
  }

  const browse = async (): Promise<void> => {
    const r = await pick(projectDir.startsWith('/') ? projectDir : undefined)
    if (r?.path) setProjectDir(r.path)
  }

  let body
  if (manifest.status !== 'ready' && !manifest.data) {
    body = manifest.error ? (
      <ErrorNotice
        error={manifest.error}
        title="Could not read the manifest"
        onRetry={() => void loadManifest()}
      />
    ) : (
      <Loading label="Reading the manifest…" />
    )
  } else if (agents.length === 0) {
    body = (
      <div className="notice notice-warn" role="alert">
        <strong>No agent to launch.</strong>{' '}
        {manifest.data?.valid === false
          ? 'The manifest has problems; fix them in Settings.'
          : 'The manifest defines no agents; add one in Settings.'}{' '}
        <a href="#/settings">Open Settings</a>
      </div>
    )
  } else {
    body = (
      <>
        <div className="field">
          <label htmlFor="new-agent">Agent</label>
          <select
            id="new-agent"
            className="input"
            value={chosenAgent}
            onChange={(e) => setAgent(e.target.value)}
            aria-invalid={fields.agent ? true : undefined}
            data-autofocus={initialAgent ? undefined : true}
          >
            {agents.map((a) => (
              <option key={a.name} value={a.name}>
                {a.name}
                {a.description ? ` — ${a.description}` : ''}
              </option>
            ))}
            {!agents.some((a) => a.name === chosenAgent) && (
              <option value={chosenAgent}>{chosenAgent} (not in the manifest)</option>
            )}
          </select>
          {fields.agent && <p className="field-error">{fields.agent}</p>}
          <AgentFacts agent={agents.find((a) => a.name === chosenAgent) ?? null} />
        </div>
        <PathField
          label="Project folder"
          name="projectDir"
          value={projectDir}
          onChange={setProjectDir}
          error={fields.projectDir}
          placeholder="/home/you/project"
          autoFocus={Boolean(initialAgent) && !dir}
          addon={
            mode === 'electron' ? (
              <button
                type="button"
                className="btn"
                onClick={() => void browse()}
                disabled={pickStatus.pending}
              >
                Browse…
              </button>
            ) : undefined
          }
          hint={
            recent.length > 0 && (
              <div className="recent">
                <span>Recent:</span>
                {recent.slice(0, 5).map((r) => (
                  <button
                    key={r}
                    type="button"
                    className="chip mono"
                    title={r}
                    onClick={() => setProjectDir(r)}
                  >
                    {r}
                  </button>
                ))}
              </div>
            )
          }
        />
        {pickStatus.error && (
          <ErrorNotice error={pickStatus.error} title="The folder picker failed" compact />
        )}
        <CheckField
          id="new-copy"
          label="Copy the project into the bottle"
          hint="The agent works on a copy (honouring .gitignore) instead of your folder."
          checked={copyWorkdir}
          onChange={setCopyWorkdir}
          error={fields.copyWorkdir}
        />
        {general && <ErrorNotice error={general} title="Could not launch" />}
        {status.pending && (
          <p className="muted small" role="status">
            Starting the launch… “Cancel launch” takes it back: the bottle is stopped and removed.
          </p>
        )}
      </>
    )
  }

  return (
    <FormDialog
      title="New bottle"
      formId="new-bottle-form"
      onClose={close}
      onSubmit={() => void submit()}
      submitLabel="Launch"
      pendingLabel="Launching…"
      pending={status.pending}
      cancelLabel={status.pending ? 'Cancel launch' : 'Cancel'}
      cancelTitle={status.pending ? 'Stop this launch and remove its bottle' : undefined}
      submitDisabled={agents.length === 0}
    >
      {body}
    </FormDialog>
  )
}

function AgentFacts({ agent }: { agent: AgentSummary | null }) {
  if (!agent) return null
  return (
    <p className="muted small">
      <span className="mono">{agent.image}</span> · {agent.cpus} CPU · {agent.memoryMib} MiB ·{' '}
      {agent.egress.length} allowed host{agent.egress.length === 1 ? '' : 's'}
    </p>
  )
}
