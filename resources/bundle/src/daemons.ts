/** Daemons this bundle build runs, by their BUNDLE_DAEMONS name (git-gate and supervise come later). */
export const AVAILABLE_DAEMONS = ['egress'] as const
export type AvailableDaemon = (typeof AVAILABLE_DAEMONS)[number]
