import { useEffect } from 'react'
import { create } from 'zustand'

/** One shared wall clock for uptimes and running step durations (a UI timer, not a poll). */
const useClock = create<{ now: number }>(() => ({ now: Date.now() }))

let users = 0
let timer: ReturnType<typeof setInterval> | undefined

function retain(): () => void {
  if (users++ === 0) {
    useClock.setState({ now: Date.now() })
    timer = setInterval(() => useClock.setState({ now: Date.now() }), 1000)
  }
  return () => {
    if (--users === 0) clearInterval(timer)
  }
}

/** The current time, re-rendering the caller every second while `active` (else read once). */
export function useNow(active = true): number {
  useEffect(() => (active ? retain() : undefined), [active])
  const live = useClock((s) => (active ? s.now : 0))
  return active ? live : useClock.getState().now
}
