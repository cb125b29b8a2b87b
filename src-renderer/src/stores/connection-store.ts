import { create } from 'zustand'
import type { AppInfo } from '../../../src-shared/contract'
import type { RpcClient } from '../../../src-shared/rpc/client'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { connectionSource } from '../lib/backend'
import { toErrorShape } from '../lib/errors'
import type { ConnectionState } from '../rpc/connection'

interface ConnectionStore {
  state: ConnectionState
  /** The live client (components that talk to the backend themselves, e.g. terminals). */
  client: RpcClient | null
  info: AppInfo | null
  infoError: RpcErrorShape | null
}

export const useConnection = create<ConnectionStore>(() => ({
  state: 'connecting',
  client: null,
  info: null,
  infoError: null,
}))

/** Mirrors the connection state and asks app.info on every connect. */
export function startConnectionFeed(): () => void {
  return connectionSource().subscribe((state, client) => {
    useConnection.setState({ state, client: state === 'connected' ? client : null })
    if (state !== 'connected' || !client) return
    client.call('app.info', {}).then(
      (info) => useConnection.setState({ info, infoError: null }),
      (e: unknown) => useConnection.setState({ infoError: toErrorShape(e) }),
    )
  })
}
