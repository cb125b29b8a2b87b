import type { z } from 'zod'
import type { MethodDef, TopicDef } from '../rpc/define'
import { appMethods, appTopics } from './app'
import { bottleMethods, bottleTopics } from './bottles'
import { cacheMethods } from './cache'
import { egressMethods, egressTopics } from './egress'
import { manifestMethods } from './manifest'
import { preflightMethods } from './preflight'
import { sessionMethods, sessionTopics } from './sessions'
import { settingsMethods, settingsTopics } from './settings'

/** Every RPC method. Main, preload and renderer share this one object. */
export const methods = {
  ...appMethods,
  ...bottleMethods,
  ...sessionMethods,
  ...manifestMethods,
  ...cacheMethods,
  ...preflightMethods,
  ...settingsMethods,
  ...egressMethods,
} as const satisfies Record<string, MethodDef>

/** Every subscription topic. */
export const topics = {
  ...appTopics,
  ...bottleTopics,
  ...sessionTopics,
  ...settingsTopics,
  ...egressTopics,
} as const satisfies Record<string, TopicDef>

export type Methods = typeof methods
export type Topics = typeof topics
export type MethodName = keyof Methods
export type TopicName = keyof Topics

/** What a caller passes (defaults optional). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>
/** What a handler receives (defaults applied). */
export type MethodParams<M extends MethodName> = z.output<Methods[M]['input']>
export type MethodResult<M extends MethodName> = z.output<Methods[M]['output']>
export type TopicInput<T extends TopicName> = z.input<Topics[T]['params']>
export type TopicParams<T extends TopicName> = z.output<Topics[T]['params']>
export type TopicData<T extends TopicName> = z.output<Topics[T]['data']>

export * from './common'
export * from './app'
export * from './bottles'
export * from './sessions'
export * from './manifest'
export * from './cache'
export * from './preflight'
export * from './settings'
export * from './egress'
