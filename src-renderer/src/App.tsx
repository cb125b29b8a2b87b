import { BottleList } from './bottles/BottleList'
import { NewBottleDialog } from './bottles/NewBottleDialog'
import { OrphanBanner } from './bottles/OrphanBanner'
import { Notices } from './components/Notices'
import { Empty } from './components/States'
import { BottleDetail } from './detail/BottleDetail'
import { formatRoute, type Route } from './lib/routes'
import { SettingsView } from './settings/SettingsView'
import { useBottles } from './stores/bottles-store'
import { useConnection } from './stores/connection-store'
import { useRoute } from './stores/route-store'
import { CacheView } from './views/CacheView'
import { DoctorView } from './views/DoctorView'

const NAV: { name: Route['name']; label: string }[] = [
  { name: 'home', label: 'Bottles' },
  { name: 'doctor', label: 'Doctor' },
  { name: 'cache', label: 'Cache' },
  { name: 'settings', label: 'Settings' },
]

const NEW: Route = { name: 'new', agent: null, dir: null }

/**
 * The dashboard: header (navigation, connection), leftovers banner, the bottle
 * list beside the current view; the new-bottle dialog opens over it. Narrow
 * windows (the menu-bar popover) show the list or the view, not both.
 */
export function App() {
  const route = useRoute((s) => s.route)
  const view = useRoute((s) => s.background)
  const section = view.name === 'bottle' ? 'home' : view.name
  return (
    <div className={`app view-${view.name}`}>
      <header className="app-header">
        <h1>
          <a href="#/">Bot Bottle</a>
        </h1>
        <nav aria-label="Sections" className="nav">
          {NAV.map((n) => (
            <a
              key={n.name}
              href={formatRoute(n.name === 'home' ? { name: 'home' } : ({ name: n.name } as Route))}
              aria-current={section === n.name ? 'page' : undefined}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <a className="btn btn-primary btn-small new-button" href={formatRoute(NEW)}>
          + New bottle
        </a>
        <ConnectionStatus />
      </header>
      <OrphanBanner />
      <div className="app-body">
        <aside className="sidebar" aria-label="Bottle list">
          <BottleList />
          <AppInfo />
        </aside>
        <main className="app-main">
          <View route={view} />
        </main>
      </div>
      {route.name === 'new' && (
        <NewBottleDialog key={`${route.agent}|${route.dir}`} agent={route.agent} dir={route.dir} />
      )}
      <Notices />
    </div>
  )
}

function View({ route }: { route: Route }) {
  switch (route.name) {
    case 'bottle':
      return <BottleDetail key={route.id} id={route.id} tab={route.tab} />
    case 'doctor':
      return <DoctorView />
    case 'cache':
      return <CacheView />
    case 'settings':
      return <SettingsView />
    default:
      return <Home />
  }
}

function Home() {
  const count = useBottles((s) => s.ids.length)
  return (
    <Empty title={count === 0 ? 'Run an agent in a bottle' : 'Choose a bottle'}>
      <p>
        {count === 0
          ? 'Each bottle is a microVM that reaches only the hosts its agent is allowed.'
          : 'Pick one on the left to see its terminal, logs and details, or start another.'}
      </p>
      <a className="btn btn-primary" href={formatRoute(NEW)}>
        New bottle
      </a>
    </Empty>
  )
}

function ConnectionStatus() {
  const state = useConnection((s) => s.state)
  return (
    <span className={`conn conn-${state}`} role="status" aria-label="Connection" aria-live="polite">
      {state === 'connected'
        ? 'Connected'
        : state === 'connecting'
          ? 'Connecting…'
          : 'Disconnected — retrying'}
    </span>
  )
}

function AppInfo() {
  const info = useConnection((s) => s.info)
  const error = useConnection((s) => s.infoError)
  if (error) return <p className="app-info muted small">Backend: {error.message}</p>
  if (!info) return null
  return (
    <p className="app-info muted small" data-testid="app-info" title={info.dataDir}>
      {info.name} {info.version} · {info.mode} · {info.platform}/{info.arch}
    </p>
  )
}
