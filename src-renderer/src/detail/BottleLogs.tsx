import { useMemo, useState } from 'react'
import { TabPanel, Tabs } from '../components/Tabs'
import { createBottleLogFeed, createEgressFeed, type LogFeed } from '../stores/log-feed'
import { LogView } from './LogView'

type Source = 'bundle' | 'console' | 'backend' | 'egress'

const SOURCES: { key: Source; label: string; empty: string; note?: string }[] = [
  { key: 'bundle', label: 'Bundle', empty: 'The bundle container has written nothing yet.' },
  {
    key: 'console',
    label: 'VM console',
    empty: 'The VM console is empty.',
    note: 'The VM console has no timestamps of its own: lines show in the order written, without a time.',
  },
  { key: 'backend', label: 'Backend', empty: 'The backend has logged nothing about this bottle.' },
  { key: 'egress', label: 'Egress', empty: 'No requests through the proxy yet.' },
]

/** A bottle's logs, one tab per source; each followed live while its tab is open. */
export function BottleLogs({ id }: { id: string }) {
  const [source, setSource] = useState<Source>('bundle')
  const feeds = useMemo<Record<Source, LogFeed>>(
    () => ({
      bundle: createBottleLogFeed(id, 'bundle'),
      console: createBottleLogFeed(id, 'console'),
      backend: createBottleLogFeed(id, 'backend'),
      egress: createEgressFeed(id),
    }),
    [id],
  )
  const current = SOURCES.find((s) => s.key === source)!
  return (
    <div className="bottle-logs">
      <Tabs
        items={SOURCES}
        value={source}
        onChange={setSource}
        label="Log source"
        idPrefix="logs"
        className="tabs-small"
      />
      <TabPanel idPrefix="logs" tab={source} className="logs-panel">
        <LogView
          key={source}
          feed={feeds[source]}
          label={`${current.label} log`}
          emptyText={current.empty}
          note={current.note}
        />
      </TabPanel>
    </div>
  )
}
