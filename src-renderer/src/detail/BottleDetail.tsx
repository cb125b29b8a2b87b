import { lazy, Suspense, useEffect } from 'react'
import type { Bottle, Teardown } from '../../../src-shared/contract'
import { ErrorNotice } from '../components/ErrorNotice'
import { StateBadge } from '../components/StateBadge'
import { Empty, Loading } from '../components/States'
import { TabPanel, Tabs } from '../components/Tabs'
import { elapsed, formatDuration, formatUptime } from '../lib/format'
import type { BottleTab } from '../lib/routes'
import { forgetLaunchedHere, runBottleAction, useBottles } from '../stores/bottles-store'
import { useNow } from '../stores/clock-store'
import { useConnection } from '../stores/connection-store'
import { navigate } from '../stores/route-store'
import { BootTimeline } from './BootTimeline'
import { BottleActions } from './BottleActions'
import { BottleInfo } from './BottleInfo'
import { BottleLogs } from './BottleLogs'

// xterm is most of the bundle: load it when a terminal is first shown.
const TerminalTabs = lazy(() =>
  import('../terminal/TerminalTabs').then((m) => ({ default: m.TerminalTabs })),
)

const TABS: { key: BottleTab; label: string }[] = [
  { key: 'overview', label: 'Overview' },
  { key: 'terminal', label: 'Terminal' },
  { key: 'logs', label: 'Logs' },
  { key: 'info', label: 'Info' },
]

/** One bottle: header with state and actions, then overview, terminals, logs and info. */
export function BottleDetail({ id, tab }: { id: string; tab: BottleTab }) {
  const bottle = useBottles((s) => s.byId[id])
  const status = useBottles((s) => s.status)
  const teardown = useBottles((s) => s.teardowns[id])
  const launchedHere = useBottles((s) => Boolean(s.launchedHere[id]))

  // A bottle launched from here opens its terminal once it is up.
  const state = bottle?.state
  useEffect(() => {
    if (!launchedHere || !state || state === 'launching') return
    forgetLaunchedHere(id)
    if (state === 'running' && tab === 'overview') {
      navigate({ name: 'bottle', id, tab: 'terminal' }, { replace: true })
    }
  }, [launchedHere, state, id, tab])

  if (!bottle) {
    if (status === 'connecting') return <Loading label="Loading the bottle…" />
    return (
      <div className="detail">
        <BackLink />
        <Empty title={teardown ? 'This bottle is gone' : `No bottle “${id}”`}>
          {teardown ? <TeardownSummary teardown={teardown} /> : <p>It may have been removed.</p>}
        </Empty>
      </div>
    )
  }

  return (
    <div className="detail">
      <header className="detail-header">
        <BackLink />
        <div className="detail-title">
          <h2>
            {bottle.agent} <span className="muted">in</span>{' '}
            <span className="mono detail-folder" title={bottle.projectDir}>
              {bottle.projectDir}
            </span>
          </h2>
          <div className="detail-sub">
            <StateBadge state={bottle.state} />
            <Uptime bottle={bottle} />
            {bottle.stateDetail && (
              <span className="muted small state-detail" title={bottle.stateDetail}>
                {bottle.stateDetail}
              </span>
            )}
          </div>
        </div>
        <BottleActions bottle={bottle} />
      </header>
      <Tabs
        items={TABS}
        value={tab}
        onChange={(t) => navigate({ name: 'bottle', id, tab: t }, { replace: true })}
        label="Bottle views"
        idPrefix="bottle"
      />
      <TabPanel idPrefix="bottle" tab={tab} className="detail-panel">
        {tab === 'overview' && <Overview bottle={bottle} teardown={teardown} />}
        {tab === 'terminal' && <Terminals bottle={bottle} />}
        {tab === 'logs' && <BottleLogs id={id} />}
        {tab === 'info' && <BottleInfo bottle={bottle} />}
      </TabPanel>
    </div>
  )
}

function BackLink() {
  return (
    <a href="#/" className="back-link">
      ‹ Bottles
    </a>
  )
}

function Uptime({ bottle }: { bottle: Bottle }) {
  const running = bottle.state === 'running'
  const now = useNow(running)
  if (!bottle.startedAt) return null
  const ms = elapsed(bottle.startedAt, running ? null : bottle.endedAt, now)
  if (ms === null) return null
  return (
    <span className="muted small" title="Time since the bottle came up">
      {running ? 'up' : 'ran for'} {formatUptime(ms)}
    </span>
  )
}

function Overview({ bottle, teardown }: { bottle: Bottle; teardown: Teardown | undefined }) {
  const retrying = useBottles(
    (s) => s.actions[bottle.id]?.action === 'retry' && s.actions[bottle.id]?.pending,
  )
  const stepHasError = bottle.steps.some((s) => s.error)
  return (
    <div className="overview">
      {bottle.state !== 'running' && bottle.state !== 'launching' && teardown && !stepHasError && (
        <TeardownSummary teardown={teardown} />
      )}
      {bottle.error && !stepHasError && (
        <ErrorNotice error={bottle.error} title="The bottle failed" />
      )}
      {bottle.state === 'running' && (
        <p>
          <a
            className="btn btn-primary"
            href={`#/bottles/${encodeURIComponent(bottle.id)}/terminal`}
          >
            Open terminal
          </a>
        </p>
      )}
      <h3>Boot timeline</h3>
      <BootTimeline
        bottle={bottle}
        retrying={retrying}
        onRetry={() => {
          void runBottleAction(bottle.id, 'retry').then((id) => {
            if (id && id !== bottle.id) navigate({ name: 'bottle', id, tab: 'overview' })
          })
        }}
      />
    </div>
  )
}

function TeardownSummary({ teardown: t }: { teardown: Teardown }) {
  const tone = t.reason === 'stopped' || t.reason === 'cancelled' ? 'info' : 'warn'
  const facts = [
    t.reason === t.detail ? null : t.reason,
    t.ranForMs > 0 ? `ran for ${formatDuration(t.ranForMs)}` : null,
    t.exitCode !== null ? `exit code ${t.exitCode}` : null,
    t.failedStep ? `failed at ${t.failedStep}` : null,
    new Date(t.time).toLocaleString(),
  ]
  return (
    <div className={`notice notice-${tone}`}>
      <strong>Ended: {t.detail}</strong>
      <p className="muted small">{facts.filter(Boolean).join(' · ')}</p>
    </div>
  )
}

function Terminals({ bottle }: { bottle: Bottle }) {
  const client = useConnection((s) => s.client)
  if (!client) return <Loading label="Reconnecting to the backend…" />
  return (
    <>
      {bottle.state !== 'running' && (
        <p className="muted small">
          {bottle.state === 'launching'
            ? 'Sessions can start once the bottle is running.'
            : 'The bottle is not running; its ended sessions stay readable here.'}
        </p>
      )}
      <Suspense fallback={<Loading label="Loading the terminal…" />}>
        <TerminalTabs client={client} bottleId={bottle.id} canOpen={bottle.state === 'running'} />
      </Suspense>
    </>
  )
}
