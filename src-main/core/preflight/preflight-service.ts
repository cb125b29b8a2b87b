import type { PreflightReport } from '../../../src-shared/contract'
import { runPreflight, type PreflightDeps } from './preflight'

/** How long a launch may reuse a report (concurrent launches ask smolvm and docker once). */
const REUSE_MS = 15_000

/** Preflight checks on demand (`run`), and a recent report for launches (`recent`). */
export class PreflightService {
  private last: { at: number; report: Promise<PreflightReport> } | null = null

  constructor(private readonly deps: PreflightDeps) {}

  run(): Promise<PreflightReport> {
    const report = runPreflight(this.deps)
    const last = { at: Date.now(), report }
    this.last = last
    report.catch(() => {
      if (this.last === last) this.last = null
    })
    return report
  }

  /** The last report if it is fresh and passed; otherwise a new one. A failed report is never reused. */
  async recent(): Promise<PreflightReport> {
    if (this.last && Date.now() - this.last.at < REUSE_MS) {
      const report = await this.last.report.catch(() => null)
      if (report?.ok) return report
    }
    return this.run()
  }

  /**
   * Forgets the last report, so the next launch checks again: call it when
   * what the checks depend on changed (the smolvm or docker path in Settings).
   */
  invalidate(): void {
    this.last = null
  }
}
