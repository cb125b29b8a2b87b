import { EgressDecision } from '../../../src-shared/contract'
import { DECISION_TYPE } from '../../../resources/bundle/src/log'

/** A bundle log line as an EgressDecision, or null when it is another kind of line. */
export function parseDecisionLine(line: string): EgressDecision | null {
  if (!line.startsWith('{') || !line.includes(`"type":"${DECISION_TYPE}"`)) return null
  let raw: unknown
  try {
    raw = JSON.parse(line)
  } catch {
    return null
  }
  if ((raw as { type?: unknown }).type !== DECISION_TYPE) return null
  const parsed = EgressDecision.safeParse(raw)
  return parsed.success ? parsed.data : null
}
