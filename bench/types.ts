/** One named measurement printed by `npm run bench`. */
export interface BenchFigure {
  /** e.g. `launch.wall_ms`, `proxy.throughput_ratio`. */
  name: string
  value: number
  unit: string
  /** The goal, when the issue states one, e.g. `<= 1.05`. */
  goal?: string
  /** Whether the goal is met (absent when there is no goal). */
  pass?: boolean
  note?: string
}

export interface BenchContext {
  /** Repository root. */
  root: string
  /** A fresh temporary directory for this bench module. */
  tmpDir: string
  log(message: string): void
}

export type BenchModule = (ctx: BenchContext) => Promise<BenchFigure[]>
