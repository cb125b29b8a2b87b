import { z } from 'zod'
import { method, topic } from '../rpc/define'
import { Empty, HostPath, IsoTime } from './common'

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** `electron` in the desktop app, `serve` for the browser backend. */
  mode: z.enum(['electron', 'serve']),
  platform: z.string(),
  arch: z.string(),
  configDir: z.string(),
  dataDir: z.string(),
  manifestPath: z.string(),
})
export type AppInfo = z.infer<typeof AppInfo>

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error'])
export const BackendLogLine = z.object({
  time: IsoTime,
  level: LogLevel,
  scope: z.string(),
  message: z.string(),
  /** The bottle the line is about, when it is about one. */
  bottleId: z.string().nullable(),
})
export type BackendLogLine = z.infer<typeof BackendLogLine>

export const DirEntry = z.object({ name: z.string(), path: z.string() })

export const appMethods = {
  'app.info': method(Empty, AppInfo, 'Version, mode and the paths the backend uses'),
  'app.openExternal': method(
    z.object({ url: z.string().max(8192) }).strict(),
    z.object({ opened: z.boolean() }),
    'Open an https URL in the system browser (Electron only; serve mode answers opened:false)',
  ),
  'app.pickFolder': method(
    z.object({ defaultPath: HostPath.optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native folder picker (Electron only; UNAVAILABLE in serve mode)',
  ),
  'fs.complete': method(
    z.object({ partial: z.string().max(4096) }).strict(),
    z.object({ entries: z.array(DirEntry) }),
    'Directories that complete a partial absolute path (for the project field)',
  ),
} as const

export const appTopics = {
  'app.log': topic(Empty, BackendLogLine, 'Backend log lines as they are written'),
} as const
