import { z } from 'zod'
import { method, topic } from '../rpc/define'
import { Empty } from './common'

const BinaryPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/'), 'must be an absolute path')

/**
 * An OCI image reference as it may reach a smolvm or docker argv (the
 * manifest's `image`, the `bundleImage` setting): no spaces, no leading dash,
 * so it can never be read as an option.
 */
export const ImageReference = z
  .string({ error: 'expected an image reference such as docker.io/library/node:22-bookworm-slim' })
  .min(1, 'must not be empty')
  .max(512)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/,
    'an image reference such as docker.io/library/node:22-bookworm-slim',
  )

export const Settings = z.object({
  /** null: BOT_BOTTLE_SMOLVM, then PATH. */
  smolvmPath: BinaryPath.nullable(),
  /** null: BOT_BOTTLE_DOCKER, then PATH. */
  dockerPath: BinaryPath.nullable(),
  /** null: BOT_BOTTLE_BUNDLE_IMAGE, then the image built from resources/bundle. */
  bundleImage: ImageReference.nullable(),
  notifications: z.boolean(),
  theme: z.enum(['system', 'light', 'dark']),
  startAtLogin: z.boolean(),
  /** Most recent first. */
  recentProjects: z.array(z.string()).max(20),
})
export type Settings = z.infer<typeof Settings>

export const SettingsPatch = Settings.partial().strict()
export type SettingsPatch = z.infer<typeof SettingsPatch>

export const settingsMethods = {
  'settings.get': method(Empty, Settings, 'User settings'),
  'settings.update': method(SettingsPatch, Settings, 'Change some settings'),
} as const

export const settingsTopics = {
  'settings.changed': topic(Empty, Settings, 'The settings, now and after every change'),
} as const
