import { create } from 'zustand'
import type { Bottle, LaunchParams, Teardown } from '../../../src-shared/contract'
import type { RpcErrorShape } from '../../../src-shared/rpc/errors'
import { call, follow } from '../lib/backend'
import { toErrorShape } from '../lib/errors'
import { formatDuration } from '../lib/format'
import { formatRoute } from '../lib/routes'
import { EMPTY_BOTTLES, applyBottleEvent, type BottleData } from './bottle-events'
import { pushNotice } from './notices-store'
import { useRoute } from './route-store'
import { useSettings } from './settings-store'

/** `remove` stops the bottle first if it runs (the dashboard's Stop); `cancel` keeps it listed. */
export type BottleAction = 'remove' | 'cancel' | 'retry'

export interface ActionState {
  action: BottleAction
  pending: boolean
  error: RpcErrorShape | null
}

interface BottlesStore extends BottleData {
  /** `connecting` until the first snapshot of each (re)subscription. */
  status: 'connecting' | 'live' | 'error'
  error: RpcErrorShape | null
  /** The last action on each bottle (so a failure stays visible after navigating away). */
  actions: Record<string, ActionState>
  /** Bottles launched from this page: their terminal opens when they come up. */
  launchedHere: Record<string, true>
}

export const useBottles = create<BottlesStore>(() => ({
  ...EMPTY_BOTTLES,
  status: 'connecting',
  error: null,
  actions: {},
  launchedHere: {},
}))

/** Feeds the store from bottles.events (a snapshot, then changes), across reconnects. */
export function startBottlesFeed(): () => void {
  return follow(
    'bottles.events',
    {},
    {
      onStart: () => useBottles.setState({ status: 'connecting', error: null }),
      onEvent: (event) => {
        useBottles.setState((s) => {
          const next = applyBottleEvent(s, event)
          return event.kind === 'snapshot' ? { ...next, status: 'live' } : next
        })
        if (event.kind === 'teardown') noticeTeardown(event.teardown)
      },
      onEnd: (error) =>
        useBottles.setState({
          status: 'error',
          error: error?.toShape() ?? {
            code: 'UNAVAILABLE',
            message: 'the backend ended the bottle feed',
          },
        }),
    },
  )
}

/**
 * Endings nobody asked for are worth a notice (unless that bottle is on screen,
 * or notifications are off in the settings); a user's own stop is not.
 */
function noticeTeardown(t: Teardown): void {
  if (t.reason === 'stopped' || t.reason === 'cancelled') return
  if (useSettings.getState().settings?.notifications === false) return
  const shown = useRoute.getState().background
  if (shown.name === 'bottle' && shown.id === t.id) return
  const bad = t.reason !== 'session-ended' || (t.exitCode !== null && t.exitCode !== 0)
  pushNotice({
    tone: bad ? 'error' : 'info',
    title: `${t.agent} in ${t.projectDir} ended`,
    detail: `${t.detail}${t.ranForMs > 0 ? ` · ran for ${formatDuration(t.ranForMs)}` : ''}`,
    href: formatRoute({ name: 'bottle', id: t.id, tab: 'overview' }),
  })
}

/** Starts a launch; the bottle then follows on bottles.events. Rejects with the backend's error. */
export async function launchBottle(params: LaunchParams): Promise<Bottle> {
  const bottle = await call('bottles.launch', params)
  adoptLaunched(bottle)
  return bottle
}

/**
 * Takes back a launch cancelled before bottles.launch answered: stops the
 * bottle and forgets it. A refusal is a notice (the dialog is gone by then).
 */
export async function discardLaunch(id: string): Promise<void> {
  forgetLaunchedHere(id)
  if (await runBottleAction(id, 'remove')) return
  pushNotice({
    tone: 'error',
    title: 'Could not cancel the launch',
    detail: useBottles.getState().actions[id]?.error?.message,
    href: formatRoute({ name: 'bottle', id, tab: 'overview' }),
  })
}

/**
 * Records a bottle a launch or retry answered with. bottles.events usually has
 * it already, and newer: the answer only fills in a bottle not seen yet.
 */
function adoptLaunched(bottle: Bottle): void {
  useBottles.setState((s) => ({
    ...(bottle.id in s.byId ? s : applyBottleEvent(s, { kind: 'upsert', bottle })),
    launchedHere: { ...s.launchedHere, [bottle.id]: true },
  }))
}

/**
 * Runs remove/cancel/retry, keeping its pending state and error per
 * bottle. Resolves to the bottle's id (a retry may answer with a new one), or
 * null when the backend refused.
 */
export async function runBottleAction(id: string, action: BottleAction): Promise<string | null> {
  const set = (state: ActionState): void =>
    useBottles.setState((s) => ({ actions: { ...s.actions, [id]: state } }))
  set({ action, pending: true, error: null })
  try {
    let result = id
    if (action === 'retry') {
      const bottle = await call('bottles.retry', { id })
      adoptLaunched(bottle)
      result = bottle.id
    } else {
      await call(`bottles.${action}`, { id })
    }
    set({ action, pending: false, error: null })
    return result
  } catch (e) {
    set({ action, pending: false, error: toErrorShape(e) })
    return null
  }
}

export function clearBottleAction(id: string): void {
  useBottles.setState((s) => {
    const actions = { ...s.actions }
    delete actions[id]
    return { actions }
  })
}

export function forgetLaunchedHere(id: string): void {
  useBottles.setState((s) => {
    const launchedHere = { ...s.launchedHere }
    delete launchedHere[id]
    return { launchedHere }
  })
}
