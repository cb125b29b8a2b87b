import type { PreflightService } from '../../core/preflight/preflight-service'
import type { HandlerGroup } from './types'

export function preflightHandlers(preflight: PreflightService): HandlerGroup<'preflight.run'> {
  return { methods: { 'preflight.run': () => preflight.run() }, topics: {} }
}
