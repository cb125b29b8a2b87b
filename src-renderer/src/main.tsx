import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App'
import { connection } from './rpc/connection'
import { startStores } from './stores/start'
import './styles.css'

connection.start()
// The token only authenticates the first load (the server then sets an
// HttpOnly cookie, and start() has read it): keep it out of the address bar,
// history and screenshots. The hash (a deep link) stays.
if (new URLSearchParams(window.location.search).has('token')) {
  window.history.replaceState(null, '', window.location.pathname + window.location.hash)
}
startStores(connection)

const root = document.getElementById('root')
if (!root) throw new Error('#root missing from index.html')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
