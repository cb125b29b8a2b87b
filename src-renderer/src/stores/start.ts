import { bindConnection, type ConnectionSource } from '../lib/backend'
import { startBottlesFeed } from './bottles-store'
import { startConnectionFeed } from './connection-store'
import { startManifestFeed } from './manifest-store'
import { startRouter } from './route-store'
import { startSessionsFeed } from './sessions-store'
import { startSettingsFeed } from './settings-store'
import { startThemeSync } from './theme'

/** Binds the stores to a connection and starts every page-wide feed; returns the teardown. */
export function startStores(source: ConnectionSource): () => void {
  bindConnection(source)
  const stops = [
    startRouter(),
    startConnectionFeed(),
    startBottlesFeed(),
    startSessionsFeed(),
    startSettingsFeed(),
    startManifestFeed(),
    startThemeSync(),
  ]
  return () => {
    for (const stop of stops.reverse()) stop()
    bindConnection(null)
  }
}
